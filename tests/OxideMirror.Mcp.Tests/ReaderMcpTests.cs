using Microsoft.Extensions.DependencyInjection;
using OxideMirror.AI;

namespace OxideMirror.Mcp.Tests;

/// <summary><c>WithMirrorTools(reader)</c>: the tools over any store's reader, with instructions in its dialect naming only the tools it serves.</summary>
public sealed class ReaderMcpTests
{
    [Fact]
    public async Task WithMirrorTools_OverTheSqliteReader_ServesTheStoresToolsAndInstructions()
    {
        await using var store = await Mirrors.TwoServicesAsync();
        await using var session = await McpSession.StartAsync(b => b.WithMirrorTools(store.Reader));

        var tools = await session.Client.ListToolsAsync();

        tools.Select(t => t.Name).Should().Equal(MirrorToolNames.ReadOnly);
        session.Client.ServerInstructions.Should().Be(MirrorMcpTools.Instructions);
    }

    [Fact]
    public async Task WithMirrorTools_OverAPostgresDialectReaderWithoutPlansOrSearch_LeavesThemOutOfToolsAndInstructions()
    {
        await using var store = await Mirrors.TwoServicesAsync();
        await using var session = await McpSession.StartAsync(b => b.WithMirrorTools(new PostgresLikeReader(store.Reader)));

        var tools = await session.Client.ListToolsAsync();
        var instructions = session.Client.ServerInstructions!;

        tools.Select(t => t.Name).Should().NotContain([MirrorToolNames.ExplainQuery, MirrorToolNames.Search]).And.Contain(MirrorToolNames.Query);
        instructions.Should().Contain("PostgreSQL mirror").And.NotContain("SQLite").And.NotContain("explain_query").And.NotContain("Use search");
        instructions.Should().Contain("mirror_overview").And.Contain("changes_since");
    }

    [Fact]
    public void WithMirrorTools_NullReader_Throws()
    {
        var act = () => new ServiceCollection().AddMcpServer().WithMirrorTools((MirrorReader)null!);

        act.Should().Throw<ArgumentNullException>();
    }

    /// <summary>A reader that reports PostgreSQL's dialect and no optional reads, over a SQLite store's reader.</summary>
    private sealed class PostgresLikeReader(MirrorReader inner) : MirrorReader
    {
        public override QueryDialect Dialect => QueryDialect.PostgreSql;

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
