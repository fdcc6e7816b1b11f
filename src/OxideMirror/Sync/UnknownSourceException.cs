namespace OxideMirror;

/// <summary>
/// Thrown when a sync names a source id that was never added to the <see cref="Syncer"/>.
/// </summary>
public sealed class UnknownSourceException : MirrorException
{
    /// <summary>Initializes a new instance of the <see cref="UnknownSourceException"/> class.</summary>
    /// <param name="sourceId">The id that was asked for.</param>
    /// <param name="known">The ids the syncer knows.</param>
    public UnknownSourceException(string sourceId, IEnumerable<string> known)
        : base(Describe(sourceId, known))
    {
        SourceId = sourceId;
    }

    /// <summary>Gets the id that was asked for.</summary>
    public string SourceId { get; }

    private static string Describe(string sourceId, IEnumerable<string> known)
    {
        var ids = known.Order(StringComparer.Ordinal).ToList();
        var list = ids.Count == 0 ? "none have been added" : "known sources: " + string.Join(", ", ids.Select(id => "'" + id + "'"));
        return $"No source with id '{sourceId}' was added to the syncer ({list}). Call AddSource first, or check the id's spelling.";
    }

    /// <inheritdoc />
    public override string Code => MirrorErrorCodes.UnknownSource;
}
