using Microsoft.Extensions.AI;

namespace OxideMirror.AI.Tests;

/// <summary>The tools over a <see cref="MirrorReader"/>: the SQLite store's, and a reader without the optional reads.</summary>
public sealed class ReaderToolsTests
{
    [Fact]
    public async Task CreateAITools_OverTheSqliteReader_AreTheStoresTools()
    {
        await using var store = await ToolHarness.TwoServicesAsync();

        var fromReader = store.Reader.CreateAITools();
        var fromStore = store.CreateAITools();

        fromReader.Select(t => t.Name).Should().Equal(MirrorToolNames.ReadOnly);
        fromReader.OfType<AIFunction>().Select(t => t.Description).Should().Equal(fromStore.OfType<AIFunction>().Select(t => t.Description));
        var answer = await fromReader.CallAsync(MirrorToolNames.Query, new { sql = "SELECT count(*) AS n FROM customers" });
        answer.GetProperty("rows")[0].GetProperty("n").GetInt64().Should().Be(40);
    }

    [Fact]
    public async Task CreateAITools_OverAReaderWithoutPlansOrSearch_LeavesThoseToolsOut_AndAsOfWithThem()
    {
        await using var store = await ToolHarness.TwoServicesAsync();
        var reader = new PlainReader(store.Reader);

        var tools = reader.CreateAITools();

        tools.Select(t => t.Name).Should().Equal(
            MirrorToolNames.Overview, MirrorToolNames.DescribeResources, MirrorToolNames.Query, MirrorToolNames.GetRecord,
            MirrorToolNames.RecordHistory, MirrorToolNames.ExplainRecord, MirrorToolNames.ChangesSince);
        var query = tools.Tool(MirrorToolNames.Query);
        query.JsonSchema.GetProperty("properties").TryGetProperty("as_of", out _).Should().BeFalse();
        var asOf = await tools.CallAsync(MirrorToolNames.Query, new { sql = "SELECT 1", as_of = "2026-01-01T00:00:00Z" });
        asOf.Code().Should().Be(MirrorErrorCodes.BadRequest);
        asOf.Message().Should().Contain("as_of");
    }

    [Fact]
    public async Task ExplainRecord_OverTheDefaultExplainAsync_NamesTheSourceOfEachField()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Acme", tier = "free" }, "crm"), MergeJson.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { tier = "gold" }, "billing"), MergeJson.Instance);
        var tools = new PlainReader(store.Reader).CreateAITools();

        var answer = await tools.CallAsync(MirrorToolNames.ExplainRecord, new { resource = "customers", id = "c1" });
        var expected = await store.Reader.CreateAITools().CallAsync(MirrorToolNames.ExplainRecord, new { resource = "customers", id = "c1" });

        answer.GetRawText().Should().Be(expected.GetRawText(), "the default built on the history says what the SQLite store's walk says");
        answer.GetRawText().Should().Contain("billing");
    }

    [Fact]
    public async Task CreateAITools_OverAReader_WithASyncerOfAnotherStore_Throws()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await using var other = await MirrorStore.OpenInMemoryAsync();

        var create = () => store.Reader.CreateAITools(new MirrorToolOptions { EnableSync = true, Syncer = new Syncer(other) });
        var createOver = () => new PlainReader(store.Reader).CreateAITools(new MirrorToolOptions { EnableSync = true, Syncer = new Syncer(store) });

        create.Should().Throw<ArgumentException>().WithMessage("*another store*");
        createOver.Should().Throw<ArgumentException>().WithMessage("*another store*", "the syncer writes a SQLite store whose reader is not this one");
        store.Reader.CreateAITools(new MirrorToolOptions { EnableSync = true, Syncer = new Syncer(store) })[^1].Name.Should().Be(MirrorToolNames.Sync);
    }

    [Fact]
    public void CreateAITools_NullReader_Throws()
    {
        var create = () => ((MirrorReader)null!).CreateAITools();

        create.Should().Throw<ArgumentNullException>();
    }

    /// <summary>A reader with only the required reads (no plans, no search, no time travel, the default ExplainAsync), over the SQLite store's.</summary>
    private sealed class PlainReader(MirrorReader inner) : MirrorReader
    {
        public override QueryDialect Dialect => inner.Dialect;

        public override TimeSpan QueryTimeout => inner.QueryTimeout;

        public override int MaxQueryRows => inner.MaxQueryRows;

        public override long MaxQueryBytes => inner.MaxQueryBytes;

        public override IAsyncEnumerable<MirroredRecord> ListRecordsAsync(string resource, int pageSize = 500, string? after = null, CancellationToken cancellationToken = default) =>
            inner.ListRecordsAsync(resource, pageSize, after, cancellationToken);

        public override Task<IReadOnlyList<string>> ListResourcesAsync(CancellationToken cancellationToken = default) => inner.ListResourcesAsync(cancellationToken);

        public override Task<IReadOnlyDictionary<string, long>> RecordCountsAsync(CancellationToken cancellationToken = default) => inner.RecordCountsAsync(cancellationToken);

        public override Task<QueryResult> QueryAsync(string sql, object? parameters = null, QueryOptions? options = null, CancellationToken cancellationToken = default) =>
            inner.QueryAsync(sql, parameters, options, cancellationToken);

        public override Task<MirrorDescription> DescribeAsync(CancellationToken cancellationToken = default) => inner.DescribeAsync(cancellationToken);

        public override Task<long> GetPositionAsync(CancellationToken cancellationToken = default) => inner.GetPositionAsync(cancellationToken);

        public override Task<MirroredRecord?> GetRecordAsync(string resource, string recordId, CancellationToken cancellationToken = default) => inner.GetRecordAsync(resource, recordId, cancellationToken);

        public override Task<Tombstone?> GetTombstoneAsync(string resource, string recordId, CancellationToken cancellationToken = default) => inner.GetTombstoneAsync(resource, recordId, cancellationToken);

        public override Task<IReadOnlyList<RecordChange>> GetHistoryAsync(string resource, string recordId, CancellationToken cancellationToken = default) => inner.GetHistoryAsync(resource, recordId, cancellationToken);

        public override Task<ChangeSet> GetChangesAsync(long sincePosition, string? resource = null, int limit = 1000, CancellationToken cancellationToken = default) =>
            inner.GetChangesAsync(sincePosition, resource, limit, cancellationToken);

        public override Task<ChangeSet> GetChangesAsync(DateTimeOffset since, string? resource, CancellationToken cancellationToken) => inner.GetChangesAsync(since, resource, cancellationToken);
    }
}
