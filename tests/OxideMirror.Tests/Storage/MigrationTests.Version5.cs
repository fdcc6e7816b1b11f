using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using OxideMirror.Tests.Log;

namespace OxideMirror.Tests.Storage;

/// <summary>
/// The upgrade from schema version 5 to 6: script 0006 gives <c>mirror_records</c> its <c>seq</c> and fills
/// <c>mirror_records_history</c> again from the log under each version's key, and opening makes each resource's history
/// table again keyed the same way (indexes included). The history spans several epochs here, so the as-of views' seeks
/// from one epoch to the next are what the moments read.
/// </summary>
public sealed partial class MigrationTests
{
    [Fact]
    public async Task OpenAsync_StoreAtSchemaVersion5_KeysItsHistoryByEpochAndAnswersEveryMomentAsALiveQuerySawIt()
    {
        using var dir = new TempDirectory();
        var path = dir.File();
        var clock = new FakeTimeProvider(Version2Start);
        var options = new MirrorStoreOptions { TimeProvider = clock };
        var seen = new List<(DateTimeOffset Moment, string Tables)>();
        string history;
        await using (var store = await MirrorStore.OpenAsync(path, options))
        {
            await store.ApplyAsync(Delta.Upsert("customers", "c0", new { name = "first", tier = "startup", seats = 0 }, "crm"), LastWriteWins.Instance);
            await store.CreateIndexAsync("customers", "tier");
            var random = new Random(6);
            for (var batch = 0; batch < 12; batch++)
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                var deltas = new List<Delta>();
                for (var i = 0; i < 400; i++)
                {
                    var resource = random.Next(2) == 0 ? "customers" : "orders";
                    var id = resource[0] + random.Next(150).ToString(CultureInfo.InvariantCulture);
                    deltas.Add(random.Next(8) == 0
                        ? Delta.Delete(resource, id, "crm")
                        : Delta.Upsert(resource, id, new { name = "n" + i.ToString(CultureInfo.InvariantCulture), tier = random.Next(2) == 0 ? "startup" : "growth", seats = (batch * 1000) + i }, "crm"));
                }

                await store.ApplyBatchAsync(deltas, LastWriteWins.Instance);
                seen.Add((clock.GetUtcNow(), await DumpAsync(store, null)));
            }

            EventSourcingKit.Scalar(path, "SELECT count(*) FROM mirror_epochs").Should().BeGreaterThanOrEqualTo(4, "4,800 changes span several epochs of 1,024 log positions");
            foreach (var (moment, tables) in seen)
            {
                (await DumpAsync(store, moment)).Should().Be(tables, $"as of {moment:O} the mirror is what a live query saw then");
            }

            history = EventSourcingKit.History(path);
        }

        var live = EventSourcingKit.Tables(path);
        EventSourcingKit.DowngradeToVersion5(path);
        EventSourcingKit.Scalar(path, "SELECT count(*) FROM pragma_table_info('mirror_records') WHERE name = 'seq'").Should().Be(0L, "a version-5 file has no mirror_records.seq");
        EventSourcingKit.Scalar(path, "SELECT count(*) FROM pragma_table_info('mirror_history_customers') WHERE name = '~key'").Should().Be(0L, "nor keyed history");

        await using var upgraded = await MirrorStore.OpenAsync(path, options);

        upgraded.SchemaVersion.Should().Be(Migrator.LatestVersion);
        EventSourcingKit.Tables(path).Should().Be(live, "the upgrade changes no record, and fills each record's seq from the log");
        EventSourcingKit.History(path).Should().Be(history, "the history filled again from the log is the one the write path kept, key for key");
        EventSourcingKit.Scalar(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'mirror_history_customers' AND sql LIKE '%tier%'")
            .Should().Be(1L, "the history table made again gets the indexes of its resource table");
        foreach (var (moment, tables) in seen)
        {
            (await DumpAsync(upgraded, moment)).Should().Be(tables, $"as of {moment:O}, after the upgrade, the mirror is what a live query saw then");
        }

        clock.Advance(TimeSpan.FromSeconds(1));
        await upgraded.ApplyAsync(Delta.Upsert("customers", "c0", new { name = "after", tier = "growth", seats = 1 }, "crm"), LastWriteWins.Instance);
        (await DumpAsync(upgraded, seen[^1].Moment)).Should().Be(seen[^1].Tables, "a write after the upgrade keeps the version it replaced");
    }

    [Fact]
    public async Task ApplyAsync_ReplacingARowThatHoldsNoSeq_KeysTheVersionByItsEventInTheLog()
    {
        using var dir = new TempDirectory();
        var path = dir.File();
        await using var store = await MirrorStore.OpenAsync(path);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Ada" }, "crm"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c2", new { name = "Grace" }, "crm"), LastWriteWins.Instance);
        EventSourcingKit.Execute(path, "UPDATE mirror_records SET seq = NULL");

        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Ada Lovelace" }, "crm"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c2", new { name = "Grace Hopper" }, "crm"), LastWriteWins.Instance);

        var live = EventSourcingKit.History(path);
        await store.RebuildRecordsAsync();
        EventSourcingKit.History(path).Should().Be(live, "the versions replaced are keyed by the events that made them, read from the log, as a rebuild keys them");
    }
}
