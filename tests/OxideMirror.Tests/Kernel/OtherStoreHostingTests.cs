using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OxideMirror.Tests.Kernel;

/// <summary>
/// Hosting a mirror kept by another store (<see cref="OxideMirrorOptions.UseStore"/>) and a module over a bare
/// <see cref="MirrorReader"/>: what OxideMirror.PostgreSql's <c>UsePostgreSql</c> relies on, checked here with a store that
/// hides its SQLite store behind plain reader and writer wrappers.
/// </summary>
public sealed class OtherStoreHostingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task HostedServices_OverAnotherStore_SyncThroughItsWriter_AndTheModuleReadsItsReader()
    {
        var other = await WrappedStore.OpenAsync();
        var services = new ServiceCollection();
        services.AddOxideMirror(o => o.UseStore(QueryDialect.Sqlite, MirrorReaderCapabilities.None, (_, _) => Task.FromResult(other.Hosted)).AddSource(StaticSource.FromDeltas("pets", ModuleHarness.Pets())));
        await using (var container = services.BuildServiceProvider())
        {
            var bus = container.GetRequiredService<IMessageBus>();
            using var stop = new CancellationTokenSource();
            await using var answers = bus.SubscribeAsync(stop.Token).GetAsyncEnumerator();
            var hosted = container.GetServices<IHostedService>().ToList();
            foreach (var service in hosted)
            {
                await service.StartAsync(CancellationToken.None);
            }

            await bus.PublishAsync(BusCommand.Create("mirror", "sync", new { source = "pets" }, "s1"));
            var synced = await NextAsync(answers, "s1");
            await bus.PublishAsync(BusCommand.Create("mirror", "counts", null, "c1"));
            var counts = await NextAsync(answers, "c1");
            await bus.PublishAsync(BusCommand.Create("mirror", "query", new { sql = "SELECT 1", as_of = "2026-01-01T00:00:00Z" }, "q1"));
            var asOf = await NextAsync(answers, "q1");
            foreach (var service in hosted)
            {
                await service.StopAsync(CancellationToken.None);
            }

            var provider = container.GetRequiredService<IMirrorStoreProvider>();
            synced.Kind.Should().Be("sync.ok");
            counts.Payload.GetProperty("counts").GetProperty("pets").GetInt64().Should().Be(3);
            asOf.ErrorCode.Should().Be(MirrorErrorCodes.QueryFailed);
            (await provider.GetReaderAsync()).Should().BeSameAs(other.Hosted.Reader);
            (await provider.GetSyncerAsync()).Writer.Should().BeSameAs(other.Hosted.Writer);
            provider.Capabilities.Should().Be(MirrorReaderCapabilities.None);
            var act = async () => await provider.GetStoreAsync();
            (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("GetReaderAsync");
            other.Disposed.Should().BeFalse();
        }

        other.Disposed.Should().BeTrue("the container disposes the store it opened");
    }

    [Fact]
    public async Task UseStore_DeclaringOtherCapabilitiesThanTheStoreServes_FailsTheOpen_AndDisposesTheStore()
    {
        var other = await WrappedStore.OpenAsync();
        var services = new ServiceCollection();
        services.AddOxideMirror(o => o.UseStore(QueryDialect.PostgreSql, MirrorReaderCapabilities.Search, (_, _) => Task.FromResult(other.Hosted)));
        await using var container = services.BuildServiceProvider();

        var act = async () => await container.GetRequiredService<IMirrorStoreProvider>().GetReaderAsync();

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("declared PostgreSql").And.Contain("Sqlite");
        other.Disposed.Should().BeTrue();
    }

    [Fact]
    public async Task UseStore_BesideAStorePath_IsRefused_NamingBoth()
    {
        var services = new ServiceCollection();
        services.AddOxideMirror(o =>
        {
            o.StorePath = "mirror.db";
            o.UseStore(QueryDialect.PostgreSql, MirrorReaderCapabilities.None, (_, _) => throw new InvalidOperationException("never opened"));
        });
        await using var container = services.BuildServiceProvider();

        var act = async () => await container.GetRequiredService<IMirrorStoreProvider>().GetReaderAsync();

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("mirror.db").And.Contain("UseStore");
    }

    [Fact]
    public async Task UseStore_AndHostedMirror_RefuseBadArguments()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var options = new OxideMirrorOptions();

        FluentActions.Invoking(() => options.UseStore(QueryDialect.Sqlite, MirrorReaderCapabilities.None, null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => options.UseStore((QueryDialect)42, MirrorReaderCapabilities.None, (_, _) => Task.FromResult<HostedMirror>(null!))).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new HostedMirror(store.Reader, store.Writer, store)).Should().Throw<ArgumentException>().WithMessage("*StorePath*");
    }

    [Fact]
    public async Task MirrorModule_OverAReader_ChecksItsSyncer_AndServesTheSqliteStoreWhenItIsOne()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await using var elsewhere = await MirrorStore.OpenInMemoryAsync();
        var other = await WrappedStore.OpenAsync();
        await using var _o = other;

        await using var module = new MirrorModule(store.Reader, new Syncer(store));

        module.Store.Should().BeSameAs(store);
        module.Reader.Should().BeSameAs(store.Reader);
        FluentActions.Invoking(() => new MirrorModule(store.Reader, new Syncer(elsewhere))).Should().Throw<ArgumentException>().WithMessage("*different store*");
        FluentActions.Invoking(() => new MirrorModule(other.Hosted.Reader, new Syncer(store))).Should().Throw<ArgumentException>().WithMessage("*another kind of store*");
        FluentActions.Invoking(() => new MirrorModule((MirrorReader)null!, new Syncer(store))).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new MirrorModule(other.Hosted.Reader, new Syncer(store.Writer), new MirrorModuleOptions { MaxQueryRows = 1001 })).Should().Throw<ArgumentException>();
        await using var overOther = new MirrorModule(other.Hosted.Reader, new Syncer(other.Hosted.Writer));
        overOther.Store.Should().BeNull();
    }

    private static async Task<BusEvent> NextAsync(IAsyncEnumerator<BusMessage> messages, string correlationId)
    {
        while (await messages.MoveNextAsync().AsTask().WaitAsync(Patience))
        {
            if (messages.Current is BusEvent answer && answer.CorrelationId == correlationId)
            {
                return answer;
            }
        }

        throw new InvalidOperationException("The bus closed before the module answered.");
    }

    /// <summary>A SQLite store seen only through reader and writer wrappers, as a host sees another kind of store.</summary>
    private sealed class WrappedStore : IAsyncDisposable
    {
        private readonly MirrorStore _store;

        private WrappedStore(MirrorStore store)
        {
            _store = store;
            Hosted = new HostedMirror(new PlainReader(store.Reader), new PlainWriter(store.Writer), this);
        }

        public HostedMirror Hosted { get; }

        public bool Disposed { get; private set; }

        public static async Task<WrappedStore> OpenAsync() => new(await MirrorStore.OpenInMemoryAsync());

        public async ValueTask DisposeAsync()
        {
            Disposed = true;
            await _store.DisposeAsync();
        }
    }

    private sealed class PlainWriter(MirrorWriter inner) : MirrorWriter
    {
        public override Task<string?> GetCursorAsync(string source, string resource = "*", CancellationToken cancellationToken = default) => inner.GetCursorAsync(source, resource, cancellationToken);

        public override Task<PageOutcome> ApplyPageAsync(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor = null, IReadOnlyList<CompletedPass>? passes = null, CancellationToken cancellationToken = default) =>
            inner.ApplyPageAsync(deltas, strategy, cursor, passes, cancellationToken);
    }

    /// <summary>The required reads only, over a SQLite store's reader: no optional capability.</summary>
    private sealed class PlainReader(MirrorReader inner) : MirrorReader
    {
        public override QueryDialect Dialect => inner.Dialect;

        public override TimeSpan QueryTimeout => inner.QueryTimeout;

        public override int MaxQueryRows => inner.MaxQueryRows;

        public override long MaxQueryBytes => inner.MaxQueryBytes;

        public override Task<QueryResult> QueryAsync(string sql, object? parameters = null, QueryOptions? options = null, CancellationToken cancellationToken = default) =>
            options?.AsOf is null ? inner.QueryAsync(sql, parameters, options, cancellationToken) : throw new QueryException("This store keeps no versions to travel to (QueryOptions.AsOf); query the live mirror.");

        public override Task<MirrorDescription> DescribeAsync(CancellationToken cancellationToken = default) => inner.DescribeAsync(cancellationToken);

        public override Task<long> GetPositionAsync(CancellationToken cancellationToken = default) => inner.GetPositionAsync(cancellationToken);

        public override Task<MirroredRecord?> GetRecordAsync(string resource, string recordId, CancellationToken cancellationToken = default) => inner.GetRecordAsync(resource, recordId, cancellationToken);

        public override Task<Tombstone?> GetTombstoneAsync(string resource, string recordId, CancellationToken cancellationToken = default) => inner.GetTombstoneAsync(resource, recordId, cancellationToken);

        public override IAsyncEnumerable<MirroredRecord> ListRecordsAsync(string resource, int pageSize = 500, string? after = null, CancellationToken cancellationToken = default) =>
            inner.ListRecordsAsync(resource, pageSize, after, cancellationToken);

        public override Task<IReadOnlyList<string>> ListResourcesAsync(CancellationToken cancellationToken = default) => inner.ListResourcesAsync(cancellationToken);

        public override Task<IReadOnlyDictionary<string, long>> RecordCountsAsync(CancellationToken cancellationToken = default) => inner.RecordCountsAsync(cancellationToken);

        public override Task<IReadOnlyList<RecordChange>> GetHistoryAsync(string resource, string recordId, CancellationToken cancellationToken = default) => inner.GetHistoryAsync(resource, recordId, cancellationToken);

        public override Task<ChangeSet> GetChangesAsync(long sincePosition, string? resource = null, int limit = 1000, CancellationToken cancellationToken = default) =>
            inner.GetChangesAsync(sincePosition, resource, limit, cancellationToken);

        public override Task<ChangeSet> GetChangesAsync(DateTimeOffset since, string? resource, CancellationToken cancellationToken) => inner.GetChangesAsync(since, resource, cancellationToken);
    }
}
