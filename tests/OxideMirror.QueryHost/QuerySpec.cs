namespace OxideMirror.QueryHost;

/// <summary>What the host runs: queries against one store, one after another or all started at once.</summary>
public sealed class QuerySpec
{
    public required string Store { get; init; }

    public int TimeoutMs { get; init; } = 1000;

    public int MaxReaders { get; init; } = 8;

    /// <summary>Gets whether the queries start at once; otherwise each runs alone, measured on its own.</summary>
    public bool AtOnce { get; init; }

    /// <summary>Gets whether the host opens a plain SQLite connection before it first uses OxideMirror, as an app using SQLite elsewhere might.</summary>
    public bool OpenSqliteFirst { get; init; }

    /// <summary>Gets when to cancel every query, in milliseconds after it starts; null never cancels.</summary>
    public int? CancelAfterMs { get; init; }

    public required IReadOnlyList<QueryCase> Queries { get; init; }
}

/// <summary>One query: its SQL, the moment to run it at (null for live), and whether to run it typed (Dapper).</summary>
public sealed record QueryCase(string Sql, DateTimeOffset? AsOf = null, bool Typed = false);

/// <summary>What the host measured, in the order of <see cref="QuerySpec.Queries"/>.</summary>
public sealed record QueryReport(IReadOnlyList<QueryOutcome> Queries);

/// <summary>
/// How one query ended (answered, truncated, or the exception's type and message), after how long, and how far the
/// process's peak resident memory rose above its level before it started: for queries run at once, the rise while all
/// of them ran.
/// </summary>
public sealed record QueryOutcome(string Outcome, string? Message, double ElapsedMs, long GrowthBytes);
