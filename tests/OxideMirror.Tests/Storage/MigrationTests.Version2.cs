using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using OxideMirror.Tests.Log;
using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Storage;

/// <summary>
/// The upgrade from schema version 2 (before record history) to 3: script 0003 fills <c>mirror_records_history</c> from the
/// log, opening gives each existing resource table its history table, and time travel then answers moments before the
/// upgrade as a live query saw them then (time-travel.md: history is a projection of the log).
/// </summary>
public sealed partial class MigrationTests
{
    private static readonly DateTimeOffset Version2Start = new(2026, 5, 4, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task OpenAsync_StoreAtSchemaVersion2_MigratesKeepsItsRecordsAndAnswersEarlierMomentsFromTheLog()
    {
        using var dir = new TempDirectory();
        var clock = new FakeTimeProvider(Version2Start);
        var options = new MirrorStoreOptions { TimeProvider = clock };

        var written = dir.File("written.db");
        var seen = await WriteThreeBatchesAsync(written, clock, options);

        var expectedHistory = EventSourcingKit.History(written);
        expectedHistory.Should().Contain("replaced_seq=", "the feed replaced versions, so the write path kept history to compare with");
        var path = dir.File("version2.db");
        WriteVersion2(path, written);
        Scalar(path, "SELECT group_concat(version) FROM mirror_schema_migrations").Should().Be("1,2");
        Scalar(path, "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'mirror%history%'").Should().Be(0L, "a version-2 file has no history tables");
        var upgradedAt = clock.GetUtcNow();

        await using var upgraded = await MirrorStore.OpenAsync(path, options);

        upgraded.SchemaVersion.Should().Be(Migrator.LatestVersion);
        var migrations = await upgraded.QueryAsync("SELECT version, name, applied_at FROM mirror_schema_migrations ORDER BY version");
        migrations.Rows.Select(r => r["version"]).Should().Equal(1L, 2L, 3L, 4L, 5L, 6L);
        migrations.Rows[2]["name"].Should().Be("record_history");
        migrations.Rows[2]["applied_at"].Should().Be(Stamp(upgradedAt));

        // Existing records keep working: read, queried, and as a live query saw them just before the upgrade.
        (await upgraded.GetRecordAsync("customers", "c1"))!.Payload.GetProperty("tier").GetString().Should().Be("growth");
        (await upgraded.GetRecordAsync("customers", "c2"))!.Payload.GetProperty("name").GetString().Should().Be("Grace Hopper");
        (await upgraded.GetRecordAsync("orders", "o1")).Should().BeNull("o1 was deleted before the upgrade");
        (await upgraded.GetTombstoneAsync("orders", "o1")).Should().NotBeNull("its tombstone is kept");
        (await DumpAsync(upgraded, null)).Should().Be(seen[^1].Tables, "the upgrade changes no record");

        // The history is the log's: what the write path would have kept, index included, and what a rebuild writes.
        EventSourcingKit.History(path).Should().Be(expectedHistory, "script 0003 and opening fill the history from the log, as the write path would have kept it");
        Scalar(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'mirror_history_customers' AND sql LIKE '%tier%'")
            .Should().Be(1L, "the history table gets the indexes of its resource table");

        // Moments before the upgrade answer as a live query saw them then.
        (await DumpAsync(upgraded, Version2Start.AddSeconds(-1))).Should().Be(EmptyDump, "before the first change every table is empty");
        foreach (var (moment, tables) in seen)
        {
            (await DumpAsync(upgraded, moment)).Should().Be(tables, $"as of {moment:O}, before the upgrade, the mirror is what a live query saw then");
        }

        var byEventTime = await upgraded.QueryAsync(
            "SELECT record_id, tier, seats FROM customers ORDER BY record_id",
            null,
            new QueryOptions { AsOf = Version2Start.AddSeconds(30), AsOfMode = AsOfMode.Occurred },
            CancellationToken.None);
        byEventTime.Rows.Select(r => $"{r["record_id"]} {r["tier"]} {r["seats"] ?? "-"}").Should().Equal("c1 startup -", "c2 startup -");

        // New writes record history: the version they replace stays readable at moments before them.
        clock.Advance(TimeSpan.FromMinutes(5));
        var applied = await upgraded.ApplyAsync(
            Delta.Upsert("customers", "c1", new { name = "Ada Lovelace", tier = "enterprise", seats = 40 }, "crm").At(Version2Start.AddMinutes(10)),
            LastWriteWins.Instance);
        var replaced = await upgraded.QueryAsync(
            "SELECT h.record_id, h.tier, h.seats, h.\"~replaced_at\" AS replaced_at, r.replaced_seq FROM mirror_history_customers h JOIN mirror_records_history r ON r.replaced_seq = h.\"~replaced_seq\" " +
            "WHERE h.\"~replaced_seq\" = (SELECT max(seq) FROM mirror_events)");
        replaced.Rows.Should().ContainSingle();
        replaced.Rows[0]["record_id"].Should().Be("c1");
        replaced.Rows[0]["tier"].Should().Be("growth");
        replaced.Rows[0]["seats"].Should().Be(5L);
        replaced.Rows[0]["replaced_at"].Should().Be(Stamp(clock.GetUtcNow()));
        applied.Applied.Should().BeTrue();
        (await DumpAsync(upgraded, upgradedAt)).Should().Be(seen[^1].Tables, "as of the upgrade, the version the new write replaced is still current");
        (await DumpAsync(upgraded, clock.GetUtcNow())).Should().Be(await DumpAsync(upgraded, null), "as of the new write, the mirror is the live one");

        var afterWrite = EventSourcingKit.History(path);
        await upgraded.RebuildRecordsAsync();
        EventSourcingKit.History(path).Should().Be(afterWrite, "a rebuild of the upgraded store reproduces its history, the part written before the upgrade included");
    }

    [Fact]
    public async Task OpenAsync_StoreAtSchemaVersion2WithACompactedLog_AnswersEarlierMomentsAsTheCompactedLogSays()
    {
        // time-travel.md: time travel reaches back only as far as the log does. A version-2 store compacted before the
        // upgrade has snapshots where its early versions were: script 0003 can fill only what the log still holds, which
        // is what a store that kept history all along holds after the same compaction.
        using var dir = new TempDirectory();
        var clock = new FakeTimeProvider(Version2Start);
        var options = new MirrorStoreOptions { TimeProvider = clock };
        var written = dir.File("written.db");
        var seen = await WriteThreeBatchesAsync(written, clock, options);
        var cutoff = seen[1].Moment;
        await using var compacted = await MirrorStore.OpenAsync(written, options);
        (await compacted.CompactAsync(RetentionPolicy.ForAge(clock.GetUtcNow() - cutoff))).Should().NotBeNull();
        EventSourcingKit.Scalar(written, "SELECT count(*) FROM mirror_events WHERE op = 'snapshot'").Should().BeGreaterThan(0, "the compaction must have cut some history, or this proves nothing");
        var path = dir.File("version2.db");
        WriteVersion2(path, written);

        await using var upgraded = await MirrorStore.OpenAsync(path, options);

        upgraded.SchemaVersion.Should().Be(Migrator.LatestVersion);
        EventSourcingKit.History(path).Should().Be(EventSourcingKit.History(written), "the history 0003 fills from a compacted log is the history left after the same compaction");
        foreach (var moment in seen.Select(s => s.Moment).Prepend(Version2Start.AddSeconds(-1)))
        {
            (await DumpAsync(upgraded, moment)).Should().Be(await DumpAsync(compacted, moment), $"as of {moment:O} the upgraded store answers as the compacted log says");
        }

        foreach (var (moment, tables) in seen.Where(s => s.Moment >= cutoff))
        {
            (await DumpAsync(upgraded, moment)).Should().Be(tables, $"{moment:O} is at or after the retention point {cutoff:O}");
        }
    }

    /// <summary>
    /// Writes, through the write path, what the version-2 file of these tests holds: customers and orders over three
    /// batches a minute apart (updates, deletes, a re-create, a column added later, an index), and returns what a live
    /// query saw after each batch. Script 0003 and its commit added only the history tables and the writes into them, so
    /// every other table holds the rows a version-2 store held.
    /// </summary>
    private static async Task<List<(DateTimeOffset Moment, string Tables)>> WriteThreeBatchesAsync(string written, FakeTimeProvider clock, MirrorStoreOptions options)
    {
        var seen = new List<(DateTimeOffset Moment, string Tables)>();
        await using (var store = await MirrorStore.OpenAsync(written, options))
        {
            async Task BatchAsync(params Delta[] deltas)
            {
                await store.ApplyBatchAsync(deltas, LastWriteWins.Instance);
                seen.Add((clock.GetUtcNow(), await DumpAsync(store, null)));
                clock.Advance(TimeSpan.FromMinutes(1));
            }

            await BatchAsync(
                Delta.Upsert("customers", "c1", new { name = "Ada", tier = "startup" }, "crm").At(Version2Start),
                Delta.Upsert("customers", "c2", new { name = "Grace", tier = "startup" }, "crm").At(Version2Start),
                Delta.Upsert("orders", "o1", new { customer = "c1", total = 10 }, "shop").At(Version2Start));
            await store.CreateIndexAsync("customers", "tier");
            await BatchAsync(
                Delta.Upsert("customers", "c1", new { name = "Ada", tier = "growth", seats = 5 }, "crm").At(Version2Start.AddMinutes(1)),
                Delta.Delete("customers", "c2", "crm").At(Version2Start.AddMinutes(1)),
                Delta.Upsert("orders", "o1", new { customer = "c1", total = 12, status = "paid" }, "shop").At(Version2Start.AddMinutes(1)));
            await BatchAsync(
                Delta.Upsert("customers", "c2", new { name = "Grace Hopper", tier = "enterprise", address = new { city = "Arlington" } }, "crm").At(Version2Start.AddMinutes(2)),
                Delta.Upsert("orders", "o2", new { customer = "c2", total = 99 }, "shop").At(Version2Start.AddMinutes(2)),
                Delta.Delete("orders", "o1", "shop").At(Version2Start.AddMinutes(2)));
        }

        return seen;
    }

    private const string EmptyDump = "# mirror_records\n# customers\n# orders\n";

    /// <summary>
    /// Writes, at <paramref name="path"/>, a mirror at schema version 2: the schema made by scripts 0001 and 0002 only (as
    /// the migrator applies them, each with its row in <c>mirror_schema_migrations</c>), and every row of those tables,
    /// resource tables and their indexes copied from the store at <paramref name="from"/>.
    /// </summary>
    private static void WriteVersion2(string path, string from)
    {
        using var connection = EventSourcingKit.Open(path, SqliteOpenMode.ReadWriteCreate);
        Run(connection, "PRAGMA journal_mode = WAL");
        foreach (var migration in Migrator.Migrations.Where(m => m.Version <= 2))
        {
            Run(connection, migration.Sql);
            Run(connection, $"INSERT INTO mirror_schema_migrations (version, name, applied_at) VALUES ({migration.Version}, '{migration.Name}', '{Stamp(Version2Start.AddDays(-1))}')");
        }

        Run(connection, $"ATTACH DATABASE '{from.Replace("'", "''", StringComparison.Ordinal)}' AS w");
        var statements = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText =
                "SELECT 'INSERT INTO main.\"' || m.name || '\" SELECT ' || (SELECT group_concat('\"' || c.name || '\"', ', ') FROM pragma_table_info(m.name, 'main') c) || ' FROM w.\"' || m.name || '\"' " +
                "FROM main.sqlite_schema m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%' AND m.name <> 'mirror_schema_migrations' " +
                "UNION ALL SELECT sql FROM w.sqlite_schema WHERE type = 'table' AND name IN (SELECT table_name FROM w.mirror_resources) " +
                "UNION ALL SELECT 'INSERT INTO main.\"' || table_name || '\" SELECT * FROM w.\"' || table_name || '\"' FROM w.mirror_resources " +
                "UNION ALL SELECT sql FROM w.sqlite_schema WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (SELECT table_name FROM w.mirror_resources)";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                statements.Add(reader.GetString(0));
            }
        }

        foreach (var statement in statements)
        {
            Run(connection, statement);
        }

        Run(connection, "DETACH DATABASE w");
    }

    private static void Run(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Reads mirror_records and the two resource tables (live, or as of a moment), each row as its non-null columns.</summary>
    private static async Task<string> DumpAsync(MirrorStore store, DateTimeOffset? asOf)
    {
        var options = new QueryOptions { AsOf = asOf };
        var text = new StringBuilder();
        foreach (var (table, order) in new[] { ("mirror_records", "resource, record_id"), ("customers", "record_id"), ("orders", "record_id") })
        {
            text.Append("# ").Append(table).Append('\n');
            var result = await store.QueryAsync($"SELECT * FROM {table} ORDER BY {order}", null, options, CancellationToken.None);
            foreach (var row in result.Rows)
            {
                foreach (var column in result.Columns)
                {
                    if (row[column] is { } value)
                    {
                        text.Append(column).Append('=').Append(value switch
                        {
                            double d => d.ToString("R", CultureInfo.InvariantCulture),
                            JsonElement e => e.GetRawText(),
                            _ => Convert.ToString(value, CultureInfo.InvariantCulture),
                        }).Append(';');
                    }
                }

                text.Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
}
