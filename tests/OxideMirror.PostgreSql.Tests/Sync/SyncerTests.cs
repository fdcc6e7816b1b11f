using System.Diagnostics.Metrics;
using System.Globalization;

namespace OxideMirror.PostgreSql.Tests;

[Collection(PostgresTests.Name)]
public sealed class SyncerTests(PostgresServer server)
{
    [PostgresFact]
    public async Task SyncAsync_TwoSyncersOnTwoSources_RunConcurrently_AndEachEndsWithItsRecordsAndCursor()
    {
        var (store, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _ = store;
        // Each source's second pull waits until the other source has committed its first page: the two syncs can only
        // both finish if their pages interleave, which a store serialising syncs (or a deadlock) would never allow.
        var crmFirstPage = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var billingFirstPage = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var crm = new RendezvousSource("crm", "customers", pages: 3, mine: crmFirstPage, other: billingFirstPage);
        var billing = new RendezvousSource("billing", "invoices", pages: 3, mine: billingFirstPage, other: crmFirstPage);

        var reports = await Task.WhenAll(
            Task.Run(() => new Syncer(store.Writer).SyncAsync(crm)),
            Task.Run(() => new Syncer(store.Writer).SyncAsync(billing)));

        reports.Select(r => (r.Source, r.Succeeded, r.Pages, r.Pulled, r.Applied, r.FinalCursor)).Should().Equal(
            ("crm", true, 3, 6L, 6L, "3"),
            ("billing", true, 3, 6L, 6L, "3"));
        (await store.GetCursorAsync("crm")).Should().Be("3");
        (await store.GetCursorAsync("billing")).Should().Be("3");
        (await Mirrors.ScalarAsync(cs, "SELECT count(*) FROM oxidemirror.customers")).Should().Be(6L);
        (await Mirrors.ScalarAsync(cs, "SELECT count(*) FROM oxidemirror.invoices")).Should().Be(6L);
        (await Mirrors.ScalarAsync(cs, "SELECT count(DISTINCT source) FROM oxidemirror.mirror_events")).Should().Be(2L);
        (await store.GetRecordAsync("invoices", "billing-2-1"))!.Source.Should().Be("billing");
    }

    [PostgresFact]
    public async Task SyncAsync_SourceLockedByAnotherWorker_FailsWithSourceLocked_AndWritesNothing()
    {
        var (worker1, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _ = worker1;
        await using var worker2 = await PostgresMirrorStore.OpenAsync(cs);
        await using var lease = await worker1.LockSourceAsync("crm");
        var source = StaticSource.FromDeltas("crm", [Delta.Upsert("customers", "c1", new { name = "Acme" }, "crm")]);

        var act = () => new Syncer(worker2.Writer).SyncAsync(source);

        (await act.Should().ThrowAsync<SourceLockedException>()).Which.SourceId.Should().Be("crm");
        (await Mirrors.CountAsync(cs, "mirror_events")).Should().Be(0);
        (await worker2.GetCursorAsync("crm")).Should().BeNull();
    }

    [PostgresFact]
    public async Task SyncAsync_ThroughALeasesWriter_HoldsTheLockForTheWholeSync_AndAnotherWorkersSyncIsRefused()
    {
        var (worker1, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _ = worker1;
        await using var worker2 = await PostgresMirrorStore.OpenAsync(cs);
        var refusal = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Between the lease's first and second page, the other worker tries the same source: it must be refused.
        var source = new DelegateSource("crm", async cursor =>
        {
            if (cursor == "1")
            {
                var other = () => new Syncer(worker2.Writer).SyncAsync(StaticSource.FromDeltas("crm", [Delta.Upsert("customers", "intruder", new { name = "x" }, "crm")]));
                refusal.SetResult(await Record.ExceptionAsync(other));
            }

            var page = cursor is null ? 1 : 2;
            return new PullResult([Delta.Upsert("customers", $"c{page}", new { page }, "crm")], page.ToString(CultureInfo.InvariantCulture), HasMore: page < 2);
        });

        SyncReport report;
        await using (var lease = await worker1.LockSourceAsync("crm"))
        {
            report = await new Syncer(lease.Writer).SyncAsync(source);
        }

        (report.Pages, report.FinalCursor).Should().Be((2, "2"));
        (await refusal.Task).Should().BeOfType<SourceLockedException>().Which.SourceId.Should().Be("crm");
        (await worker2.GetRecordAsync("customers", "intruder")).Should().BeNull();
        (await worker2.GetCursorAsync("crm")).Should().Be("2");
        var after = await new Syncer(worker2.Writer).SyncAsync(StaticSource.FromDeltas("billing", [Delta.Upsert("invoices", "i1", new { n = 1 }, "billing")]));
        after.Succeeded.Should().BeTrue("the lease is released when disposed");
    }

    [PostgresFact]
    public async Task SyncAsync_TwoWorkersOnOneSource_BothThroughTheStoresWriter_NeverBothApplyAPage_AndTheSecondIsTold()
    {
        var (worker1, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _ = worker1;
        await using var worker2 = await PostgresMirrorStore.OpenAsync(cs);
        var refusal = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Between worker 1's first and second page, worker 2 syncs the same source through its store's writer: with a lock
        // per page only, it would read cursor "1" and apply page 2 as well.
        var second = new DelegateSource("crm", cursor =>
        {
            var page = cursor is null ? 1 : int.Parse(cursor, CultureInfo.InvariantCulture) + 1;
            return Task.FromResult(new PullResult([Delta.Upsert("customers", $"c{page}", new { page, by = 2 }, "crm")], page.ToString(CultureInfo.InvariantCulture), HasMore: page < 3));
        });
        var first = new DelegateSource("crm", async cursor =>
        {
            if (cursor == "1")
            {
                refusal.SetResult(await Record.ExceptionAsync(() => new Syncer(worker2.Writer).SyncAsync(second)));
            }

            var page = cursor is null ? 1 : int.Parse(cursor, CultureInfo.InvariantCulture) + 1;
            return new PullResult([Delta.Upsert("customers", $"c{page}", new { page, by = 1 }, "crm")], page.ToString(CultureInfo.InvariantCulture), HasMore: page < 3);
        });

        var report = await new Syncer(worker1.Writer).SyncAsync(first);

        (report.Pages, report.FinalCursor).Should().Be((3, "3"));
        var refused = (await refusal.Task).Should().BeOfType<SourceLockedException>().Which;
        refused.SourceId.Should().Be("crm");
        refused.Message.Should().Contain("'crm'");
        (await Mirrors.CountAsync(cs, "mirror_events")).Should().Be(3, "only worker 1 applied pages");
        (await Mirrors.ScalarAsync(cs, "SELECT count(*) FROM oxidemirror.mirror_records WHERE payload->>'by' = '2'")).Should().Be(0L);
        var after = await new Syncer(worker2.Writer).SyncAsync(second);
        after.Pages.Should().Be(1, "worker 1's lease ended with its sync, and worker 2 resumes from cursor 3");
    }

    [PostgresFact]
    public async Task LeaseWriter_PageOfAnotherSource_ThrowsArgumentExceptionNamingTheCursor()
    {
        var (store, _) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var __ = store;
        await using var lease = await store.LockSourceAsync("crm");

        var act = () => lease.Writer.ApplyPageAsync([], LastWriteWins.Instance, new CursorUpdate("billing", "p1"));

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("cursor");
        (await store.GetCursorAsync("billing")).Should().BeNull();
    }

    [PostgresFact]
    public async Task SyncAsync_OverThePostgresWriter_RecordsPagesAndDeltasOnTheSharedMeter()
    {
        var (store, _) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var __ = store;
        var source = StaticSource.FromDeltas("meter-crm", Enumerable.Range(0, 5).Select(i => Delta.Upsert("customers", $"c{i}", new { i }, "meter-crm")), pageSize: 2);
        long pages = 0, deltas = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == OxideMirrorTelemetry.MeterName && instrument.Name is "oxidemirror.sync.pages" or "oxidemirror.sync.deltas")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            // Other tests may sync at the same time on the shared meter: count only this test's source.
            foreach (var tag in tags)
            {
                if (tag is { Key: "oxidemirror.source", Value: "meter-crm" })
                {
                    if (instrument.Name == "oxidemirror.sync.pages")
                    {
                        Interlocked.Add(ref pages, value);
                    }
                    else
                    {
                        Interlocked.Add(ref deltas, value);
                    }
                }
            }
        });
        listener.Start();

        await new Syncer(store.Writer).SyncAsync(source);

        Interlocked.Read(ref pages).Should().Be(3);
        Interlocked.Read(ref deltas).Should().Be(5);
    }

    private sealed class DelegateSource(string id, Func<string?, Task<PullResult>> pull) : ISyncSource
    {
        public string Id => id;

        public Task<PullResult> PullAsync(string? cursor, CancellationToken cancellationToken = default) => pull(cursor);
    }

    /// <summary>
    /// A source of <c>pages</c> pages of two records each; its pull after page 1 committed says so (<c>mine</c>) and
    /// waits for the other source's page 1 (<c>other</c>), for at most 30 seconds.
    /// </summary>
    private sealed class RendezvousSource(string id, string resource, int pages, TaskCompletionSource mine, TaskCompletionSource other) : ISyncSource
    {
        public string Id => id;

        public async Task<PullResult> PullAsync(string? cursor, CancellationToken cancellationToken = default)
        {
            var page = cursor is null ? 1 : int.Parse(cursor, CultureInfo.InvariantCulture) + 1;
            if (page == 2)
            {
                mine.TrySetResult();
                await other.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }

            var deltas = Enumerable.Range(0, 2).Select(i => Delta.Upsert(resource, $"{id}-{page}-{i}", new { page, i }, id)).ToList();
            return new PullResult(deltas, page.ToString(CultureInfo.InvariantCulture), HasMore: page < pages);
        }
    }
}
