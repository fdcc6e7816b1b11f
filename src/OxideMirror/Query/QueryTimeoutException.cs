namespace OxideMirror;

/// <summary>
/// Thrown when an agent query ran past its time limit and was interrupted inside SQLite.
/// </summary>
public sealed class QueryTimeoutException : QueryException
{
    /// <summary>Initializes a new instance of the <see cref="QueryTimeoutException"/> class.</summary>
    /// <param name="message">A full sentence that says how long the query ran and how to narrow it.</param>
    /// <param name="timeout">The time limit that was reached.</param>
    public QueryTimeoutException(string message, TimeSpan timeout)
        : base(message)
    {
        Timeout = timeout;
    }

    /// <summary>Gets the time limit that was reached.</summary>
    public TimeSpan Timeout { get; }

    /// <inheritdoc />
    public override string Code => MirrorErrorCodes.QueryTimeout;
}
