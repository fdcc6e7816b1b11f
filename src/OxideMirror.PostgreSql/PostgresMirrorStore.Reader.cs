namespace OxideMirror.PostgreSql;

public sealed partial class PostgresMirrorStore
{
    private PgReader? _reader;

    /// <summary>
    /// Gets the store's reader side, which the agent tools read through (<c>store.Reader.CreateAITools()</c>); always the
    /// same instance. Queries run as the agent role (<see cref="QueryAsync"/>); the other reads on the store's own pool.
    /// It serves no optional <see cref="MirrorReaderCapabilities"/>: no query plans, no word search, no time travel.
    /// </summary>
    public MirrorReader Reader
    {
        get
        {
            if (Volatile.Read(ref _reader) is { } reader)
            {
                return reader;
            }

            Interlocked.CompareExchange(ref _reader, new PgReader(this), null);
            return _reader;
        }
    }

    /// <summary>
    /// Describes the mirror as an agent needs it: every resource's table with its columns and their PostgreSQL types,
    /// which are indexed, null rates and examples from a sample, the record count, the freshness of its sources, likely
    /// join keys between resources, the internal tables worth knowing, and the query limits.
    /// <see cref="MirrorDescription.ToMarkdown"/> renders it for a prompt, in PostgreSQL's terms.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The description.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    /// <exception cref="MirrorStorageException">PostgreSQL failed or could not be reached.</exception>
    /// <remarks>
    /// <para>
    /// Thread-safe; one read-only, repeatable read transaction, so every count and sample is of one committed state.
    /// Column types are read from the catalog (<c>pg_attribute</c>), not inferred; null rates, examples and join keys
    /// come from a sample of up to 1,000 rows of each table.
    /// </para>
    /// <para>
    /// Record counts stay cheap at millions of records: a table is counted exactly by a scan that stops after 100,000 rows;
    /// a larger table gets the planner's estimate — <c>pg_class.reltuples</c> over <c>relpages</c>, times the table's
    /// current pages — and <see cref="ResourceDescription.RowCountEstimated"/> is set. A large table the server has never
    /// analyzed is counted exactly until autovacuum or <c>ANALYZE</c> has run. A join key's sampled values are looked up in
    /// all of the target column when it is <c>record_id</c> or an indexed text column, else in its first 20,000 rows.
    /// </para>
    /// </remarks>
    public Task<MirrorDescription> DescribeAsync(CancellationToken cancellationToken = default) => DescribeAsync(PgDescriber.ExactCountRows, cancellationToken);

    /// <summary>Describes the mirror, counting tables exactly up to <paramref name="exactCountRows"/> rows (tests lower the bound).</summary>
    internal Task<MirrorDescription> DescribeAsync(int exactCountRows, CancellationToken cancellationToken) =>
        ReadLogAsync("describing the mirror", (connection, transaction, token) => PgDescriber.DescribeAsync(connection, transaction!, _options, token, exactCountRows), cancellationToken);

    /// <summary>The PostgreSQL store's <see cref="MirrorReader"/>: its query, describe, record and log reads.</summary>
    private sealed class PgReader(PostgresMirrorStore store) : MirrorReader
    {
        public override QueryDialect Dialect => QueryDialect.PostgreSql;

        public override TimeSpan QueryTimeout => store._options.QueryTimeout;

        public override int MaxQueryRows => store._options.MaxQueryRows;

        public override long MaxQueryBytes => store._options.MaxQueryBytes;

        public override Task<QueryResult> QueryAsync(string sql, object? parameters = null, QueryOptions? options = null, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(sql);
            if (string.IsNullOrWhiteSpace(sql))
            {
                throw new ArgumentException("The SQL is empty. Send one SELECT statement, for example \"SELECT count(*) FROM customers\".", nameof(sql));
            }

            if (sql.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException("The SQL holds a NUL character, which no statement may hold. Remove it and send the SQL again.", nameof(sql));
            }

            return store.QueryAsync(sql, parameters, options, cancellationToken);
        }

        public override Task<MirrorDescription> DescribeAsync(CancellationToken cancellationToken = default) => store.DescribeAsync(cancellationToken);

        public override Task<long> GetPositionAsync(CancellationToken cancellationToken = default) => store.GetPositionAsync(cancellationToken);

        public override Task<MirroredRecord?> GetRecordAsync(string resource, string recordId, CancellationToken cancellationToken = default)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(resource);
            ArgumentException.ThrowIfNullOrWhiteSpace(recordId);
            return store.GetRecordAsync(resource, recordId, cancellationToken);
        }

        public override Task<Tombstone?> GetTombstoneAsync(string resource, string recordId, CancellationToken cancellationToken = default)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(resource);
            ArgumentException.ThrowIfNullOrWhiteSpace(recordId);
            return store.GetTombstoneAsync(resource, recordId, cancellationToken);
        }

        public override IAsyncEnumerable<MirroredRecord> ListRecordsAsync(string resource, int pageSize = 500, string? after = null, CancellationToken cancellationToken = default) =>
            store.ListRecordsAsync(resource, pageSize, after, cancellationToken);

        public override Task<IReadOnlyList<string>> ListResourcesAsync(CancellationToken cancellationToken = default) => store.ListResourcesAsync(cancellationToken);

        public override Task<IReadOnlyDictionary<string, long>> RecordCountsAsync(CancellationToken cancellationToken = default) => store.RecordCountsAsync(cancellationToken);

        public override Task<IReadOnlyList<RecordChange>> GetHistoryAsync(string resource, string recordId, CancellationToken cancellationToken = default) =>
            store.GetHistoryAsync(resource, recordId, cancellationToken);

        public override Task<ChangeSet> GetChangesAsync(long sincePosition, string? resource = null, int limit = 1000, CancellationToken cancellationToken = default) =>
            store.GetChangesAsync(sincePosition, resource, limit, cancellationToken);

        public override Task<ChangeSet> GetChangesAsync(DateTimeOffset since, string? resource, CancellationToken cancellationToken) =>
            store.GetChangesAsync(since, resource, cancellationToken);
    }
}
