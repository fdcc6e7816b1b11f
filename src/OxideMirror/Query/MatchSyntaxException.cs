namespace OxideMirror;

/// <summary>
/// A <c>MATCH</c> expression FTS5 could not parse. Callers see a <see cref="QueryException"/>; the search path catches
/// this type to name the caller's search text instead of the SQL it wrote itself.
/// </summary>
internal sealed class MatchSyntaxException(string reason, string message, Exception? innerException) : QueryException(message, innerException)
{
    /// <summary>Gets FTS5's own words for what is wrong, for example <c>fts5: syntax error near ""</c>.</summary>
    public string Reason { get; } = reason;
}
