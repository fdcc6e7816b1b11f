namespace OxideMirror;

/// <summary>
/// Thrown when an agent query was refused because it could change the database, touch the file system, or
/// holds more than one statement. Nothing was run.
/// </summary>
public sealed class QueryNotReadOnlyException : QueryException
{
    /// <summary>Initializes a new instance of the <see cref="QueryNotReadOnlyException"/> class.</summary>
    /// <param name="message">A full sentence that says what was refused and what to send instead.</param>
    public QueryNotReadOnlyException(string message)
        : base(message)
    {
    }

    /// <inheritdoc />
    public override string Code => MirrorErrorCodes.QueryRefused;
}
