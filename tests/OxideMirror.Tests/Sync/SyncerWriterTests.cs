using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OxideMirror.Tests.Telemetry;

namespace OxideMirror.Tests.Sync;

/// <summary>The <see cref="Syncer"/> over a <see cref="MirrorWriter"/> that is not the SQLite store's own.</summary>
public sealed class SyncerWriterTests
{
    [Fact]
    public async Task SyncAsync_ThroughAnotherWriter_WritesThroughIt_AndRecordsOnTheSharedMeter()
    {
        using var directory = new TempDirectory();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        await using var store = await MirrorStore.OpenAsync(directory.File(), new MirrorStoreOptions { MeterFactory = factory });
        var writer = new DelegatingWriter(store.Writer);
        var id = "writer-" + Guid.NewGuid().ToString("N");
        using var capture = TelemetryCapture.ForSource(id);
        var syncer = new Syncer(writer);

        var report = await syncer.SyncAsync(StaticSource.FromDeltas(id, [Delta.Upsert("pets", "1", new { n = 1 }, id), Delta.Upsert("pets", "2", new { n = 2 }, id)], pageSize: 1));

        syncer.Store.Should().BeNull("the syncer writes through a writer that is not a SQLite store's");
        syncer.Writer.Should().BeSameAs(writer);
        writer.Pages.Should().Be(2);
        (report.Pages, report.Applied).Should().Be((2, 2L));
        (await store.GetCursorAsync(id)).Should().Be("2");
        var pages = capture.Of("oxidemirror.sync.pages");
        pages.Sum(r => r.Value).Should().Be(2);
        pages.Should().OnlyContain(r => r.Meter == MirrorTelemetry.Shared.Meter, "a writer without a store's meter records on the shared one");
        capture.Of("oxidemirror.sync.deltas").Sum(r => r.Value).Should().Be(2);
        capture.Of("oxidemirror.sync.duration").Should().ContainSingle();
    }

    [Fact]
    public async Task SyncAsync_WriterReturnsTooFewResults_FailsWithAMirrorExceptionNamingTheWriter()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var writer = new DelegatingWriter(store.Writer, o => new PageOutcome(o.Results.Take(1).ToList(), []));
        var source = StaticSource.FromDeltas("shop", [Delta.Upsert("pets", "1", new { n = 1 }, "shop"), Delta.Upsert("pets", "2", new { n = 2 }, "shop")]);

        var act = () => new Syncer(writer).SyncAsync(source);

        var thrown = (await act.Should().ThrowAsync<MirrorException>()).Which;
        thrown.Code.Should().Be(MirrorErrorCodes.Internal);
        thrown.Message.Should().Contain(typeof(DelegatingWriter).FullName).And.Contain("1 result(s) for a page of 2 delta(s)");
    }

    [Fact]
    public async Task SyncAsync_ALeasesWriterReturnsTooFewResults_TheErrorNamesTheLeasesWriter()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var writer = new LeasingWriter(store.Writer, new DelegatingWriter(store.Writer, o => new PageOutcome(o.Results.Take(1).ToList(), [])));
        var source = StaticSource.FromDeltas("shop", [Delta.Upsert("pets", "1", new { n = 1 }, "shop"), Delta.Upsert("pets", "2", new { n = 2 }, "shop")]);

        var act = () => new Syncer(writer).SyncAsync(source);

        var thrown = (await act.Should().ThrowAsync<MirrorException>()).Which;
        thrown.Message.Should().Contain(typeof(DelegatingWriter).FullName).And.NotContain(typeof(LeasingWriter).FullName!);
    }

    [Fact]
    public async Task SyncAsync_WriterReturnsNull_FailsWithAMirrorException()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var writer = new DelegatingWriter(store.Writer, _ => null!);

        var act = () => new Syncer(writer).SyncAsync(StaticSource.FromDeltas("shop", [Delta.Upsert("pets", "1", new { n = 1 }, "shop")]));

        (await act.Should().ThrowAsync<MirrorException>()).Which.Message.Should().Contain("no page outcome (null)");
    }

    [Fact]
    public void Constructor_NullWriter_ThrowsArgumentNullExceptionNamingIt()
    {
        var act = () => new Syncer((MirrorWriter)null!);

        act.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("writer");
    }

    [Fact]
    public void PageOutcome_FewerResultsThanDeletes_ThrowsArgumentExceptionNamingResults()
    {
        var act = () => new PageOutcome([], [Delta.Delete("pets", "1", "shop")]);

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("results");
    }

    [Fact]
    public void PageOutcome_NullArguments_ThrowArgumentNullExceptionNamingThem()
    {
        ((Action)(() => _ = new PageOutcome(null!, []))).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("results");
        ((Action)(() => _ = new PageOutcome([], null!))).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("missing");
        ((Action)(() => _ = new PageOutcome([new AppliedDelta(true, ApplyDecision.Deleted, 2)], [null!]))).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("missing");
    }

    /// <summary>A writer of its own over another writer, counting its pages and optionally rewriting their outcomes.</summary>
    /// <summary>A writer that hands each sync a lease whose own writer (<paramref name="leased"/>) writes the pages.</summary>
    private sealed class LeasingWriter(MirrorWriter inner, MirrorWriter leased) : MirrorWriter
    {
        public override Task<SourceLease?> LockSourceAsync(string source, CancellationToken cancellationToken = default) => Task.FromResult<SourceLease?>(new Lease(source, leased));

        public override Task<string?> GetCursorAsync(string source, string resource = "*", CancellationToken cancellationToken = default) =>
            inner.GetCursorAsync(source, resource, cancellationToken);

        public override Task<PageOutcome> ApplyPageAsync(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor = null, IReadOnlyList<CompletedPass>? passes = null, CancellationToken cancellationToken = default) =>
            inner.ApplyPageAsync(deltas, strategy, cursor, passes, cancellationToken);

        private sealed class Lease(string source, MirrorWriter writer) : SourceLease(source)
        {
            public override MirrorWriter Writer => writer;

            public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    private sealed class DelegatingWriter(MirrorWriter inner, Func<PageOutcome, PageOutcome>? rewrite = null) : MirrorWriter
    {
        public int Pages { get; private set; }

        public override Task<string?> GetCursorAsync(string source, string resource = "*", CancellationToken cancellationToken = default) =>
            inner.GetCursorAsync(source, resource, cancellationToken);

        public override async Task<PageOutcome> ApplyPageAsync(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor = null, IReadOnlyList<CompletedPass>? passes = null, CancellationToken cancellationToken = default)
        {
            var outcome = await inner.ApplyPageAsync(deltas, strategy, cursor, passes, cancellationToken);
            Pages++;
            return rewrite is null ? outcome : rewrite(outcome);
        }
    }
}
