using System.Reflection;
using Microsoft.Data.Sqlite;
using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Storage;

/// <summary>docs/design.md, guarantee 6: one writer, many readers; readers see committed batches only.</summary>
public sealed class ConcurrencyTests
{
    // Only a guard against a deadlock hanging the whole run; no test asserts how long anything takes.
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task QueryAsync_WhileBatchTransactionOpen_SeesOnlyCommittedState()
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());
        await store.ApplyBatchAsync([Customer("c1", "Ada"), Customer("c2", "Grace")], LastWriteWins.Instance, new CursorUpdate("crm", "page-1"));
        using var gate = ScriptedStrategy.BlockOn(2);

        // The writer applies the first delta (new resource "orders") inside its transaction, then blocks in Resolve.
        var writer = Task.Run(() => store.ApplyBatchAsync(
            [Delta.Upsert("orders", "o1", new { total = 5 }, "crm"), Customer("c3", "Edsger"), Customer("c1", "Ada L.")],
            gate,
            new CursorUpdate("crm", "page-2")));
        try
        {
            await gate.Entered.Task.WaitAsync(HangGuard);

            var reader = Task.Run(async () =>
            {
                var counts = await store.QueryAsync(
                    "SELECT (SELECT count(*) FROM mirror_records) AS records, (SELECT count(*) FROM mirror_events) AS events, " +
                    "(SELECT count(*) FROM mirror_resources) AS resources, (SELECT cursor FROM mirror_cursors WHERE source = 'crm') AS cursor");
                return (counts, await store.GetRecordAsync("orders", "o1"), await store.EventCountAsync(), await store.GetCursorAsync("crm"));
            });
            var (during, order, eventCount, cursor) = await reader.WaitAsync(HangGuard);

            writer.IsCompleted.Should().BeFalse("the writer is still blocked inside its transaction");
            during.Rows[0]["records"].Should().Be(2L);
            during.Rows[0]["events"].Should().Be(2L);
            during.Rows[0]["resources"].Should().Be(1L);
            during.Rows[0]["cursor"].Should().Be("page-1");
            order.Should().BeNull();
            eventCount.Should().Be(2);
            cursor.Should().Be("page-1");
        }
        finally
        {
            gate.Release.Set();
        }

        var results = await writer.WaitAsync(HangGuard);
        results.Select(r => r.Decision).Should().Equal(ApplyDecision.Inserted, ApplyDecision.Inserted, ApplyDecision.Updated);
        var after = await store.QueryAsync(
            "SELECT (SELECT count(*) FROM mirror_records) AS records, (SELECT count(*) FROM mirror_events) AS events, " +
            "(SELECT cursor FROM mirror_cursors WHERE source = 'crm') AS cursor");
        after.Rows[0]["records"].Should().Be(4L);
        after.Rows[0]["events"].Should().Be(5L);
        after.Rows[0]["cursor"].Should().Be("page-2");
        (await store.RecordCountsAsync()).Should().BeEquivalentTo(new Dictionary<string, long> { ["customers"] = 3, ["orders"] = 1 });
    }

    [Fact]
    public async Task OpenAsync_FileStore_UsesWalAndNormalSynchronous()
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());

        Scalar(dir.File(), "PRAGMA journal_mode").Should().Be("wal");

        // synchronous is per connection, and the writer connection is the store's write part's: read it through that part.
        var writer = (StoreWriter)typeof(MirrorStore).GetField("_write", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(store)!;
        var synchronous = await writer.ExclusiveAsync(
            connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA synchronous";
                return command.ExecuteScalar();
            },
            "reading the writer's synchronous setting",
            CancellationToken.None);
        synchronous.Should().Be(1L);
    }

    [Fact]
    public async Task ApplyAsync_FromManyTasks_AppliesEveryChangeOnce()
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());

        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await store.ApplyAsync(Customer("c1", $"writer {w} change {i}"), LastWriteWins.Instance);
                await store.ApplyAsync(Customer($"w{w}-{i}", "x"), LastWriteWins.Instance);
            }
        }));
        var readers = Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                var result = await store.QueryAsync("SELECT count(*) AS n FROM mirror_records");
                ((long)result.Rows[0]["n"]!).Should().BeInRange(0, 101);
            }
        }));
        await Task.WhenAll(writers.Concat(readers)).WaitAsync(HangGuard);

        (await store.GetRecordAsync("customers", "c1"))!.Version.Should().Be(100);
        (await store.EventCountAsync()).Should().Be(200);
        (await store.RecordCountsAsync())["customers"].Should().Be(101);
    }

    [Fact]
    public async Task QueryAsync_InMemoryStore_WaitsForWriteInProgress()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        using var gate = ScriptedStrategy.BlockOn(1);
        var writer = Task.Run(() => store.ApplyBatchAsync([Customer("c2", "Grace")], gate));
        Task<QueryResult> reader;
        try
        {
            await gate.Entered.Task.WaitAsync(HangGuard);
            reader = Task.Run(() => store.QueryAsync("SELECT count(*) AS n FROM mirror_records"));

            // Give the reader a chance to run; it must still be waiting, because the writer holds the store.
            // (This can only pass wrongly, never fail wrongly: a correct reader is never complete here.)
            await Task.WhenAny(reader, Task.Delay(TimeSpan.FromMilliseconds(200)));
            reader.IsCompleted.Should().BeFalse("an in-memory store serialises reads with writes");
        }
        finally
        {
            gate.Release.Set();
        }

        await writer.WaitAsync(HangGuard);
        var result = await reader.WaitAsync(HangGuard);

        // The in-memory store serialises reads with writes, so the query can only see the committed batch.
        result.Rows[0]["n"].Should().Be(2L);
    }
}
