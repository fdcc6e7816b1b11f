namespace OxideMirror;

public sealed partial class MirrorStore
{
    /// <summary>
    /// Gets the store's reader side, which the agent tools read through (<c>store.Reader.CreateAITools()</c>); always the
    /// same instance. Each member calls the store's method of the same name, so it behaves exactly as that method does (a blank resource or record id is refused with an <see cref="ArgumentException"/>, as every reader refuses it);
    /// the reader serves every <see cref="MirrorReaderCapabilities"/>.
    /// </summary>
    public MirrorReader Reader => _reader;

    /// <summary>The SQLite store's <see cref="MirrorReader"/>: the store's own reads, with every capability.</summary>
    private sealed class SqliteReader(MirrorStore store) : MirrorReader
    {
        public override QueryDialect Dialect => QueryDialect.Sqlite;

        public override TimeSpan QueryTimeout => store._options.QueryTimeout;

        public override int MaxQueryRows => store._options.MaxQueryRows;

        public override long MaxQueryBytes => store._options.MaxQueryBytes;

        public override MirrorReaderCapabilities Capabilities => MirrorReaderCapabilities.QueryPlans | MirrorReaderCapabilities.Search | MirrorReaderCapabilities.TimeTravel;

        internal override MirrorStore SqliteStore => store;

        public override Task<QueryResult> QueryAsync(string sql, object? parameters = null, QueryOptions? options = null, CancellationToken cancellationToken = default) =>
            store.QueryAsync(sql, parameters, options, cancellationToken);

        public override Task<MirrorDescription> DescribeAsync(CancellationToken cancellationToken = default) => store.DescribeAsync(cancellationToken);

        public override Task<long> GetPositionAsync(CancellationToken cancellationToken = default) => store.GetPositionAsync(cancellationToken);

        public override Task<MirroredRecord?> GetRecordAsync(string resource, string recordId, CancellationToken cancellationToken = default)
        {
            Ids.ThrowIfBlank(resource);
            Ids.ThrowIfBlank(recordId);
            return store.GetRecordAsync(resource, recordId, cancellationToken);
        }

        public override Task<Tombstone?> GetTombstoneAsync(string resource, string recordId, CancellationToken cancellationToken = default)
        {
            Ids.ThrowIfBlank(resource);
            Ids.ThrowIfBlank(recordId);
            return store.GetTombstoneAsync(resource, recordId, cancellationToken);
        }

        public override IAsyncEnumerable<MirroredRecord> ListRecordsAsync(string resource, int pageSize = 500, string? after = null, CancellationToken cancellationToken = default)
        {
            Ids.ThrowIfBlank(resource);
            return store.ListRecordsAsync(resource, pageSize, after, cancellationToken);
        }

        public override Task<IReadOnlyList<string>> ListResourcesAsync(CancellationToken cancellationToken = default) => store.ListResourcesAsync(cancellationToken);

        public override Task<IReadOnlyDictionary<string, long>> RecordCountsAsync(CancellationToken cancellationToken = default) => store.RecordCountsAsync(cancellationToken);

        public override Task<IReadOnlyList<RecordChange>> GetHistoryAsync(string resource, string recordId, CancellationToken cancellationToken = default) =>
            store.GetHistoryAsync(resource, recordId, cancellationToken);

        public override Task<ChangeSet> GetChangesAsync(long sincePosition, string? resource = null, int limit = 1000, CancellationToken cancellationToken = default) =>
            store.GetChangesAsync(sincePosition, resource, limit, cancellationToken);

        public override Task<ChangeSet> GetChangesAsync(DateTimeOffset since, string? resource, CancellationToken cancellationToken) =>
            store.GetChangesAsync(since, resource, cancellationToken);

        public override Task<RecordExplanation?> ExplainAsync(string resource, string recordId, CancellationToken cancellationToken = default) =>
            store.ExplainAsync(resource, recordId, cancellationToken);

        public override Task<QueryPlan> ExplainQueryAsync(string sql, CancellationToken cancellationToken = default) =>
            store.ExplainQueryAsync(sql, cancellationToken);

        public override Task<SearchResult> SearchAsync(string resource, string text, SearchOptions? options = null, CancellationToken cancellationToken = default) =>
            store.SearchAsync(resource, text, options, cancellationToken);
    }
}
