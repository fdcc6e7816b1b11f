using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace OxideMirror.Tests.Telemetry;

public sealed class SyncTelemetryTests
{
    private static string NewSourceId() => "tel-" + Guid.NewGuid().ToString("N");

    private static StaticSource TwoPages(string id) => new(id,
    [
        new PullResult([Delta.Upsert("pets", "1", new { n = 1 }, id), Delta.Upsert("pets", "2", new { n = 2 }, id), Delta.Upsert("owners", "1", new { n = 1 }, id)], "c1", HasMore: true),
        new PullResult([Delta.Upsert("pets", "1", new { n = 1 }, id), Delta.Delete("owners", "1", id)], "c2", HasMore: false),
    ]);

    [Fact]
    public async Task SyncAsync_RealSyncIntoAFile_RecordsPagesDeltasByResourceAndOutcomeAndDuration()
    {
        using var directory = new TempDirectory();
        var id = NewSourceId();
        using var capture = TelemetryCapture.ForSource(id);
        await using var store = await MirrorStore.OpenAsync(directory.File());

        var report = await new Syncer(store).SyncAsync(TwoPages(id));

        report.Pages.Should().Be(2);
        var pages = capture.Of("oxidemirror.sync.pages");
        pages.Sum(r => r.Value).Should().Be(2);
        pages.Should().OnlyContain(r => r.Unit == "{page}");

        var deltas = capture.Of("oxidemirror.sync.deltas");
        double Count(string resource, string outcome) => deltas.Where(r => Equals(r.Tag("oxidemirror.resource"), resource) && Equals(r.Tag("oxidemirror.outcome"), outcome)).Sum(r => r.Value);
        Count("pets", "applied").Should().Be(2);
        Count("pets", "unchanged").Should().Be(1);
        Count("owners", "applied").Should().Be(2, "the insert and the delete both changed the record");
        deltas.Sum(r => r.Value).Should().Be(report.Pulled);
        deltas.Should().OnlyContain(r => r.Unit == "{delta}");

        var duration = capture.Of("oxidemirror.sync.duration").Should().ContainSingle().Subject;
        duration.Unit.Should().Be("s");
        duration.Value.Should().BeGreaterThanOrEqualTo(0);
        duration.Tags.Should().NotContainKey("error.type");
        capture.Of("oxidemirror.sync.failures").Should().BeEmpty();
    }

    [Fact]
    public async Task SyncAsync_RealSync_StartsOneSyncActivityWithAChildPerPage()
    {
        using var directory = new TempDirectory();
        var id = NewSourceId();
        using var capture = TelemetryCapture.ForSource(id);
        await using var store = await MirrorStore.OpenAsync(directory.File());

        await new Syncer(store).SyncAsync(TwoPages(id));

        var sync = capture.Activities.Should().ContainSingle(a => a.OperationName == "oxidemirror.sync").Subject;
        sync.GetTagItem("oxidemirror.pages").Should().Be(2);
        sync.GetTagItem("oxidemirror.cursor.final").Should().Be("c2");
        var pages = capture.Activities.Where(a => a.OperationName == "oxidemirror.sync.page").ToList();
        pages.Should().HaveCount(2);
        pages.Should().OnlyContain(p => p.ParentSpanId == sync.SpanId);
        pages.Select(p => p.GetTagItem("oxidemirror.page")).Should().BeEquivalentTo(new object[] { 1, 2 });
        pages.Select(p => p.GetTagItem("oxidemirror.deltas")).Should().BeEquivalentTo(new object[] { 3, 2 });
    }

    [Fact]
    public async Task SyncAsync_InvalidPage_CountsAFailureByErrorCode()
    {
        using var directory = new TempDirectory();
        var id = NewSourceId();
        using var capture = TelemetryCapture.ForSource(id);
        await using var store = await MirrorStore.OpenAsync(directory.File());
        var source = new NullPageSource(id);

        var act = () => new Syncer(store).SyncAsync(source);

        await act.Should().ThrowAsync<MirrorException>();
        var failure = capture.Of("oxidemirror.sync.failures").Should().ContainSingle().Subject;
        failure.Tag("error.type").Should().Be(MirrorErrorCodes.InvalidPage);
        failure.Unit.Should().Be("{sync}");
        capture.Of("oxidemirror.sync.duration").Should().ContainSingle().Which.Tag("error.type").Should().Be(MirrorErrorCodes.InvalidPage);
        var sync = capture.Activities.Should().ContainSingle(a => a.OperationName == "oxidemirror.sync").Subject;
        sync.Status.Should().Be(System.Diagnostics.ActivityStatusCode.Error);
        sync.GetTagItem("error.type").Should().Be(MirrorErrorCodes.InvalidPage);
    }

    [Fact]
    public async Task Gauges_AfterASync_ReadTheLogPositionAndTheSourcesAge()
    {
        using var directory = new TempDirectory();
        var path = directory.File();
        var id = NewSourceId();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        using var capture = TelemetryCapture.ForStore(path);
        await using var store = await MirrorStore.OpenAsync(path, new MirrorStoreOptions { TimeProvider = time });

        capture.Observe("oxidemirror.log.position").Should().ContainSingle().Which.Value.Should().Be(0, "the log is empty");
        await new Syncer(store).SyncAsync(TwoPages(id));
        time.Advance(TimeSpan.FromSeconds(90));

        var position = capture.Observe("oxidemirror.log.position").Should().ContainSingle().Subject;
        position.Value.Should().Be(5, "five deltas were logged (the unchanged one too)");
        position.Unit.Should().Be("{event}");
        var age = capture.Observe("oxidemirror.sync.age").Should().ContainSingle(r => Equals(r.Tag("oxidemirror.source"), id)).Subject;
        age.Value.Should().Be(90);
        age.Unit.Should().Be("s");
    }

    [Fact]
    public async Task Gauges_AfterReopen_ReadTheLogPositionAndAgeFromTheFile()
    {
        using var directory = new TempDirectory();
        var path = directory.File();
        var id = NewSourceId();
        await using (var first = await MirrorStore.OpenAsync(path))
        {
            await new Syncer(first).SyncAsync(TwoPages(id));
        }

        using var capture = TelemetryCapture.ForStore(path);
        await using var store = await MirrorStore.OpenAsync(path);

        capture.Observe("oxidemirror.log.position").Should().ContainSingle().Which.Value.Should().Be(5);
        capture.Observe("oxidemirror.sync.age").Should().ContainSingle(r => Equals(r.Tag("oxidemirror.source"), id)).Which.Value.Should().BeGreaterThanOrEqualTo(0);
    }

    [Fact]
    public async Task Gauges_AfterDispose_NoLongerReadTheStore()
    {
        using var directory = new TempDirectory();
        var path = directory.File();
        using var capture = TelemetryCapture.ForStore(path);
        var store = await MirrorStore.OpenAsync(path);
        await store.DisposeAsync();

        capture.Observe("oxidemirror.log.position").Should().BeEmpty();
    }

    [Fact]
    public async Task SyncAsync_WithAMeterFactory_RecordsOnTheFactorysMeter()
    {
        using var directory = new TempDirectory();
        var id = NewSourceId();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var capture = TelemetryCapture.ForSource(id);
        await using var store = await MirrorStore.OpenAsync(directory.File(), new MirrorStoreOptions { MeterFactory = factory });

        await new Syncer(store).SyncAsync(TwoPages(id));

        capture.Of("oxidemirror.sync.pages").Should().NotBeEmpty().And.OnlyContain(r => r.Meter.Scope == factory);
    }

    [Fact]
    public async Task SyncAsync_SkippedDuplicateAndMissingDeltas_AreCountedByOutcomeAsTheReportCountsThem()
    {
        using var directory = new TempDirectory();
        var id = NewSourceId();
        using var capture = TelemetryCapture.ForSource(id);
        await using var store = await MirrorStore.OpenAsync(directory.File());
        var source = new StaticSource(id,
        [
            new PullResult([Delta.Upsert("pets", "1", new { n = 1 }, id) with { DeltaId = "d1" }, Delta.Upsert("pets", "2", new { n = 2 }, id)], "c1", HasMore: true),
            new PullResult([Delta.Upsert("pets", "1", new { n = 9 }, id) with { DeltaId = "d1" }, Delta.Upsert("pets", "1", new { n = 3 }, id)], "c2", HasMore: false)
            {
                CompletedPasses = [new CompletedPass("pets", ["1"])],
            },
        ]);

        var report = await new Syncer(store, KeepLocal.Instance).SyncAsync(source);

        var deltas = capture.Of("oxidemirror.sync.deltas");
        double Count(string outcome) => deltas.Where(r => Equals(r.Tag("oxidemirror.outcome"), outcome)).Sum(r => r.Value);
        Count("applied").Should().Be(report.Applied);
        Count("skipped").Should().Be(report.Skipped).And.BeGreaterThan(0);
        Count("duplicate").Should().Be(report.Duplicates).And.Be(1);
        Count("unchanged").Should().Be(report.Unchanged);
        capture.Of("oxidemirror.sync.missing").Should().ContainSingle().Which.Value.Should().Be(report.Missing).And.Be(1);
    }

    [Fact]
    public async Task SyncStreamAsync_CountsEachBatchAsAPage()
    {
        using var directory = new TempDirectory();
        var id = NewSourceId();
        using var capture = TelemetryCapture.ForSource(id);
        await using var store = await MirrorStore.OpenAsync(directory.File());
        var source = StaticSource.FromDeltas(id, [Delta.Upsert("pets", "1", new { n = 1 }, id), Delta.Upsert("pets", "2", new { n = 2 }, id), Delta.Upsert("pets", "3", new { n = 3 }, id)]);

        var report = await new Syncer(store, options: new SyncerOptions { StreamBatchSize = 2 }).SyncStreamAsync(source);

        capture.Of("oxidemirror.sync.pages").Sum(r => r.Value).Should().Be(report.Pages).And.Be(2);
        capture.Of("oxidemirror.sync.deltas").Sum(r => r.Value).Should().Be(3);
        capture.Of("oxidemirror.sync.duration").Should().ContainSingle();
    }

    /// <summary>A source whose only page is null: the syncer refuses it with <see cref="MirrorErrorCodes.InvalidPage"/>.</summary>
    private sealed class NullPageSource(string id) : ISyncSource
    {
        public string Id => id;

        public Task<PullResult> PullAsync(string? cursor, CancellationToken cancellationToken = default) => Task.FromResult<PullResult>(null!);
    }
}
