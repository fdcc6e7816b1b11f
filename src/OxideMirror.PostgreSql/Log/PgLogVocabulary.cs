namespace OxideMirror.PostgreSql;

/// <summary>
/// Reads the log's stored words (<see cref="DeltaRules.OpText"/>, <see cref="DeltaRules.DecisionText"/>) back into the
/// core's types, and the state an event leaves, as the SQLite store reads them.
/// </summary>
internal static class PgLogVocabulary
{
    public const string DeleteOp = "delete";

    public static ApplyDecision Decision(string text) => DeltaRules.DecisionOf(text);

    public static ChangeOp Op(string text) => DeltaRules.OpOf(text);

    /// <summary>
    /// Tells from the decision of a record's first event in a range whether it was live before: <see langword="null"/>
    /// when the decision cannot tell (a delete may be of a record never seen), so the log must be asked.
    /// </summary>
    public static bool? ExistedBefore(string firstDecision) => firstDecision switch
    {
        "insert" => false,
        "update" or "merge" => true,
        _ => null,
    };
}
