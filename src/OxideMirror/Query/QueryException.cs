namespace OxideMirror;

/// <summary>
/// Thrown when an agent query cannot run: its SQL is invalid, names an unknown table or column, or
/// breaks a limit. The message quotes SQLite's own words and says what to change.
/// </summary>
public class QueryException : MirrorException
{
    /// <summary>Initializes a new instance of the <see cref="QueryException"/> class.</summary>
    /// <param name="message">A full sentence that says what was wrong and what to do.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public QueryException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override string Code => MirrorErrorCodes.QueryFailed;
}
