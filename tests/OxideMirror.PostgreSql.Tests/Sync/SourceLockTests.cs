using Npgsql;

namespace OxideMirror.PostgreSql.Tests;

[Collection(PostgresTests.Name)]
public sealed class SourceLockTests(PostgresServer server)
{
    [PostgresFact]
    public async Task LockSourceAsync_HeldByOneWorker_RefusesAnotherWorkersPageOfThatSource_NamingIt()
    {
        var (worker1, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _ = worker1;
        await using var worker2 = await PostgresMirrorStore.OpenAsync(cs);
        await using var lease = await worker1.LockSourceAsync("crm");

        var act = () => worker2.ApplyPageAsync([Delta.Upsert("customers", "c1", new { name = "Acme" }, "crm")], LastWriteWins.Instance, new CursorUpdate("crm", "p1"));

        var refused = (await act.Should().ThrowAsync<SourceLockedException>()).Which;
        refused.SourceId.Should().Be("crm");
        refused.Code.Should().Be(MirrorErrorCodes.SourceLocked);
        refused.Message.Should().Contain("'crm'").And.Contain("another worker");
        (await Mirrors.CountAsync(cs, "mirror_events")).Should().Be(0);
        (await worker2.GetCursorAsync("crm")).Should().BeNull();

        await lease.ApplyPageAsync([Delta.Upsert("customers", "c1", new { name = "Acme" }, "crm")], LastWriteWins.Instance, new CursorUpdate("crm", "p1"));
        (await worker2.GetCursorAsync("crm")).Should().Be("p1");
    }

    [PostgresFact]
    public async Task LockSourceAsync_TwiceForOneSource_RefusesTheSecond_AndAnotherSourceIsFree()
    {
        var (worker1, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _ = worker1;
        await using var worker2 = await PostgresMirrorStore.OpenAsync(cs);
        await using var crm = await worker1.LockSourceAsync("crm");

        var second = () => worker2.LockSourceAsync("crm");

        (await second.Should().ThrowAsync<SourceLockedException>()).Which.SourceId.Should().Be("crm");
        await using var billing = await worker2.LockSourceAsync("billing");
        await billing.ApplyPageAsync([Delta.Upsert("invoices", "i1", new { amount = 1 }, "billing")], LastWriteWins.Instance, new CursorUpdate("billing", "b1"));
        await crm.ApplyPageAsync([Delta.Upsert("customers", "c1", new { name = "Acme" }, "crm")], LastWriteWins.Instance, new CursorUpdate("crm", "c1"));
        (await worker1.GetCursorAsync("billing")).Should().Be("b1");
        (await worker2.GetCursorAsync("crm")).Should().Be("c1");
    }

    [PostgresFact]
    public async Task LockSourceAsync_Released_LetsTheNextWorkerIn()
    {
        var (worker1, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _ = worker1;
        await using var worker2 = await PostgresMirrorStore.OpenAsync(cs);
        var lease = await worker1.LockSourceAsync("crm");

        await lease.DisposeAsync();

        await using var next = await worker2.LockSourceAsync("crm");
        next.Source.Should().Be("crm");
    }

    [PostgresFact]
    public async Task DisposeAsync_ReleasesTheLockOnTheServerBeforeItReturns()
    {
        var (worker, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _ = worker;
        await using var watcher = new NpgsqlConnection(cs);
        await watcher.OpenAsync();

        // A closed connection's backend frees its locks only once it has exited, after the client has gone: a lease that
        // just closed would leave the lock held for a moment, and a sync started right after it would be refused.
        for (var round = 0; round < 50; round++)
        {
            var lease = await worker.LockSourceAsync("crm");
            var pid = lease.ProcessId;
            await lease.DisposeAsync();

            await using var held = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $1", watcher) { Parameters = { new() { Value = pid } } };
            ((long)(await held.ExecuteScalarAsync())!).Should().Be(0, "the lease's lock is gone when DisposeAsync returns (round {0})", round);
        }
    }

    [PostgresFact]
    public async Task LockSourceAsync_WorkerConnectionDies_ItsLockGoesWithIt()
    {
        var (worker1, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _ = worker1;
        await using var worker2 = await PostgresMirrorStore.OpenAsync(cs);
        await using var lease = await worker1.LockSourceAsync("crm");

        // A crashed worker: its backend ends, as when its process is killed and the server sees the socket close.
        (await Mirrors.ScalarAsync(cs, $"SELECT pg_terminate_backend({lease.ProcessId}, 5000)")).Should().Be(true);

        var page = await worker2.ApplyPageAsync([Delta.Upsert("customers", "c1", new { name = "Acme" }, "crm")], LastWriteWins.Instance, new CursorUpdate("crm", "p1"));
        page.Single().Decision.Should().Be(ApplyDecision.Inserted);
        var lost = () => lease.ApplyPageAsync([Delta.Upsert("customers", "c2", new { name = "Late" }, "crm")], LastWriteWins.Instance, new CursorUpdate("crm", "p2"));
        (await lost.Should().ThrowAsync<MirrorException>()).Which.Should().BeOfType<MirrorStorageException>();
        (await worker2.GetCursorAsync("crm")).Should().Be("p1");
    }

    [PostgresFact]
    public async Task ApplyPageAsync_PagesOfOneSourceFromTwoWorkersAtOnce_NeverBothCommitWhileOneIsOpen()
    {
        var (worker1, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _ = worker1;
        await using var worker2 = await PostgresMirrorStore.OpenAsync(cs);
        var gate = new SemaphoreSlim(0);
        var release = new SemaphoreSlim(0);
        await worker1.ApplyPageAsync([Delta.Upsert("customers", "c0", new { name = "Zero" }, "crm"), Delta.Upsert("invoices", "i0", new { amount = 0 }, "billing")], LastWriteWins.Instance);

        // Worker 1's page is held open inside its strategy (its transaction holds the source's lock) while worker 2 tries.
        var first = Task.Run(() => worker1.ApplyPageAsync([Delta.Upsert("customers", "c1", new { name = "One" }, "crm")], new BlockingStrategy(gate, release), new CursorUpdate("crm", "w1")));
        await gate.WaitAsync();
        var second = () => worker2.ApplyPageAsync([Delta.Upsert("customers", "c2", new { name = "Two" }, "crm")], LastWriteWins.Instance, new CursorUpdate("crm", "w2"));
        await second.Should().ThrowAsync<SourceLockedException>();
        var otherSource = await worker2.ApplyPageAsync([Delta.Upsert("invoices", "i1", new { amount = 3 }, "billing")], LastWriteWins.Instance, new CursorUpdate("billing", "b1"));
        release.Release();
        await first;

        otherSource.Single().Applied.Should().BeTrue("a page of another source commits while the first source's page is open");
        (await worker2.GetCursorAsync("crm")).Should().Be("w1");
        (await Mirrors.ScalarAsync(cs, "SELECT string_agg(record_id, ',' ORDER BY seq) FROM oxidemirror.mirror_events")).Should().Be("c0,i0,i1,c1");
    }

    [PostgresFact]
    public async Task Leases_OfTwoSources_SyncConcurrentlyIntoOneNewResource_AndEveryPageLands()
    {
        var (worker1, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _ = worker1;
        await using var worker2 = await PostgresMirrorStore.OpenAsync(cs);

        async Task SyncAsync(PostgresMirrorStore store, string source)
        {
            await using var lease = await store.LockSourceAsync(source);
            for (var page = 1; page <= 20; page++)
            {
                var deltas = Enumerable.Range(0, 10)
                    .Select(i => Delta.Upsert("shared", $"{source}-{page}-{i}", new Dictionary<string, object> { ["n"] = page * 10 + i, [$"only_{source}"] = source, [$"key_{page % 4}"] = true }, source))
                    .ToList();
                await lease.ApplyPageAsync(deltas, LastWriteWins.Instance, new CursorUpdate(source, $"{source}-page-{page}"));
            }
        }

        await Task.WhenAll(Task.Run(() => SyncAsync(worker1, "crm")), Task.Run(() => SyncAsync(worker2, "billing")));

        (await worker1.GetCursorAsync("crm")).Should().Be("crm-page-20");
        (await worker1.GetCursorAsync("billing")).Should().Be("billing-page-20");
        (await Mirrors.CountAsync(cs, "mirror_events")).Should().Be(400);
        (await Mirrors.CountAsync(cs, "shared")).Should().Be(400);
        (await Mirrors.ScalarAsync(cs, "SELECT count(*) FROM oxidemirror.shared WHERE only_crm = 'crm'")).Should().Be(200L);
        (await Mirrors.ScalarAsync(cs, "SELECT count(*) FROM oxidemirror.mirror_columns WHERE resource = 'shared'")).Should().Be(7L, "n, only_crm, only_billing and key_0..key_3, each added once");
        (await Mirrors.ScalarAsync(cs, "SELECT string_agg(source, ',' ORDER BY source) FROM oxidemirror.mirror_resource_sources")).Should().Be("billing,crm");
    }

    [PostgresFact]
    public async Task ApplyPageAsync_TwoSourcesMeetingOneNewRecordAtOnce_DecideInsertThenUpdate()
    {
        var (worker1, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _ = worker1;
        await using var worker2 = await PostgresMirrorStore.OpenAsync(cs);
        await worker1.ApplyAsync(Delta.Upsert("customers", "c0", new { name = "Zero" }, "crm"), LastWriteWins.Instance);
        var gate = new SemaphoreSlim(0);
        var release = new SemaphoreSlim(0);

        var first = Task.Run(() => worker1.ApplyAsync(Delta.Upsert("customers", "new", new { name = "From crm" }, "crm"), new BlockingStrategy(gate, release)));
        await gate.WaitAsync();
        var second = Task.Run(() => worker2.ApplyAsync(Delta.Upsert("customers", "new", new { name = "From billing" }, "billing"), LastWriteWins.Instance));
        for (var waited = 0; Convert.ToInt64(await Mirrors.ScalarAsync(cs, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"), System.Globalization.CultureInfo.InvariantCulture) == 0; waited++)
        {
            waited.Should().BeLessThan(500, "the second page waits on the new record's lock");
            await Task.Delay(10);
        }

        release.Release();

        (await first).Should().Be(new AppliedDelta(true, ApplyDecision.Inserted, 1));
        (await second).Should().Be(new AppliedDelta(true, ApplyDecision.Updated, 2), "the second page read the first's committed record");
        (await Mirrors.ScalarAsync(cs, "SELECT string_agg(decision || ':' || version, ',' ORDER BY seq) FROM oxidemirror.mirror_events WHERE record_id = 'new'")).Should().Be("insert:1,update:2");
    }

    private sealed class BlockingStrategy(SemaphoreSlim entered, SemaphoreSlim release) : IConflictStrategy
    {
        public string Label => "blocking";

        public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming)
        {
            entered.Release();
            release.Wait();
            return ConflictResolution.Apply;
        }
    }
}
