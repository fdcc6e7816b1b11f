using OxideMirror.Tests.Log;

namespace OxideMirror.Tests.Storage;

/// <summary>
/// The upgrade from schema version 4 to 5: script 0005 adds <c>mirror_resources.row_count</c> empty, and opening counts
/// each existing table once; from then on the write path keeps the counts, and <see cref="MirrorStore.DescribeAsync"/>
/// and <see cref="MirrorStore.RecordCountsAsync"/> read them.
/// </summary>
public sealed partial class MigrationTests
{
    [Fact]
    public async Task OpenAsync_StoreAtSchemaVersion4_CountsEachTableOnceAndKeepsTheCountsFromThen()
    {
        using var dir = new TempDirectory();
        var path = dir.File();
        await using (var writer = await MirrorStore.OpenAsync(path))
        {
            await writer.ApplyBatchAsync(
                [
                    StoreTestKit.Customer("c1", "Ada"),
                    StoreTestKit.Customer("c2", "Grace"),
                    StoreTestKit.Customer("c3", "Edsger"),
                    Delta.Upsert("orders", "o1", new { total = 5 }, "shop"),
                    Delta.Delete("customers", "c2", "crm"),
                ],
                LastWriteWins.Instance);
        }

        // A version-4 file: the same tables without the column script 0005 adds.
        EventSourcingKit.DowngradeToVersion5(path);
        EventSourcingKit.Execute(path, "ALTER TABLE mirror_resources DROP COLUMN row_count; DELETE FROM mirror_schema_migrations WHERE version = 5");

        await using var store = await MirrorStore.OpenAsync(path);

        store.SchemaVersion.Should().Be(Migrator.LatestVersion);
        EventSourcingKit.Scalar(path, "SELECT row_count FROM mirror_resources WHERE name = 'customers'").Should().Be(2L, "opening counts the rows an older store holds");
        EventSourcingKit.Scalar(path, "SELECT row_count FROM mirror_resources WHERE name = 'orders'").Should().Be(1L);

        await store.ApplyBatchAsync([StoreTestKit.Customer("c4", "Barbara"), Delta.Delete("orders", "o1", "shop"), Delta.Delete("orders", "o9", "shop")], LastWriteWins.Instance);

        EventSourcingKit.MiscountedTables(path).Should().BeEmpty("the write path keeps the counts it was given");
        var description = await store.DescribeAsync();
        description.Resources.Select(r => $"{r.Name}={r.RowCount}").Should().Equal("customers=3", "orders=0");
        (await store.RecordCountsAsync()).Should().BeEquivalentTo(new Dictionary<string, long> { ["customers"] = 3, ["orders"] = 0 });
    }
}
