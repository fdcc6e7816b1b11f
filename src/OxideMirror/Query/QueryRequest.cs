namespace OxideMirror;

/// <summary>
/// One agent query as the query path runs it, typed or not: the SQL and its parameters, with the limits and the moment
/// resolved from <see cref="QueryOptions"/> over the store's <see cref="MirrorStoreOptions"/> and validated once, before
/// any connection is taken.
/// </summary>
internal sealed class QueryRequest
{
    private QueryRequest(string sql, object? parameters, TimeSpan timeout, int maxRows, long maxBytes, DateTimeOffset? asOf, AsOfMode asOfMode, CancellationToken cancellationToken)
    {
        Sql = sql;
        Parameters = parameters;
        Timeout = timeout;
        MaxRows = maxRows;
        MaxBytes = maxBytes;
        AsOf = asOf;
        AsOfMode = asOfMode;
        CancellationToken = cancellationToken;
    }

    public string Sql { get; }

    /// <summary>Gets the parameters as the caller passed them: an anonymous object, a dictionary, or null.</summary>
    public object? Parameters { get; }

    public TimeSpan Timeout { get; }

    public int MaxRows { get; }

    public long MaxBytes { get; }

    /// <summary>Gets the moment to query at, or null for the mirror as it is now.</summary>
    public DateTimeOffset? AsOf { get; }

    public AsOfMode AsOfMode { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>Checks the caller's arguments and resolves the limits of one query: unset options take the store's.</summary>
    /// <exception cref="ArgumentException">The SQL is empty or holds a NUL character, the options or the token were passed as the parameters, or <see cref="QueryOptions.AsOfMode"/> is set without <see cref="QueryOptions.AsOf"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit or the <see cref="QueryOptions.AsOfMode"/> is out of range.</exception>
    public static QueryRequest Resolve(string sql, object? parameters, QueryOptions? options, MirrorStoreOptions defaults, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (sql.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("The SQL holds a NUL character, which SQLite would treat as the end of the text. Remove it.", nameof(sql));
        }

        // Both would compile as the parameters object (QueryAsync(sql, options), QueryAsync(sql, token)) and then be
        // ignored: the query would run under the store's limits, or could not be cancelled.
        if (parameters is QueryOptions)
        {
            throw new ArgumentException("The parameters argument is a QueryOptions, which holds the query's limits, not its parameters' values. Pass it as the options: QueryAsync(sql, null, options) or QueryAsync(sql, options: options).", nameof(parameters));
        }

        if (parameters is CancellationToken)
        {
            throw new ArgumentException("The parameters argument is a CancellationToken. Pass it as the token: QueryAsync(sql, null, cancellationToken) or QueryAsync(sql, cancellationToken: cancellationToken).", nameof(parameters));
        }

        var timeout = options?.Timeout ?? defaults.QueryTimeout;
        var maxRows = options?.MaxRows ?? defaults.MaxQueryRows;
        var maxBytes = options?.MaxBytes ?? defaults.MaxQueryBytes;
        if (timeout <= TimeSpan.Zero || timeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), timeout, "QueryOptions.Timeout must be more than zero and at most one hour.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1, "options.MaxRows");
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1024, "options.MaxBytes");
        ValidateAsOf(options);
        return new QueryRequest(sql, parameters, timeout, maxRows, maxBytes, options?.AsOf, options?.AsOfMode ?? AsOfMode.Applied, cancellationToken);
    }

    private static void ValidateAsOf(QueryOptions? options)
    {
        if (options is null)
        {
            return;
        }

        if (options.AsOfMode is not (AsOfMode.Applied or AsOfMode.Occurred))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.AsOfMode, $"QueryOptions.AsOfMode is {(int)options.AsOfMode}, which is not an AsOfMode. Use AsOfMode.Applied or AsOfMode.Occurred.");
        }

        if (options.AsOf is null && options.AsOfMode != AsOfMode.Applied)
        {
            throw new ArgumentException($"QueryOptions.AsOfMode is {options.AsOfMode}, but QueryOptions.AsOf is not set. Set AsOf to the moment to query at, or leave AsOfMode at its default.", nameof(options));
        }
    }
}
