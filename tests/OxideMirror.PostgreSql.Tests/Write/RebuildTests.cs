using System.Text;
using Npgsql;

namespace OxideMirror.PostgreSql.Tests;

/// <summary>
/// The rebuild-from-log law on PostgreSQL: rebuilding <c>mirror_records</c> and the resource tables from the log gives
/// back exactly what the live write path left, on random logs under every strategy (deletes, re-creates, merges,
/// out-of-order event times, a key added later, a column widened); it repairs rows changed behind the mirror's back;
/// a cancelled rebuild changes nothing; and a rebuild beside a running sync neither deadlocks nor loses a page.
/// </summary>
[Collection(PostgresTests.Name)]
public sealed class RebuildTests(PostgresServer server)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<int> Seeds => new() { 1, 2, 3, 4 };

    [PostgresTheory]
    [MemberData(nameof(Seeds))]
    public async Task RebuildRecordsAsync_AfterRandomPages_EqualsWhatTheLivePathLeft(int seed)
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        var random = new Random(seed);
        IConflictStrategy[] strategies = [LastWriteWins.Instance, NewestWins.Instance, MergeJson.Instance, HighestConfidence.Instance, KeepLocal.Instance];
        for (var page = 0; page < 12; page++)
        {
            var deltas = Enumerable.Range(0, 25).Select(_ => RandomDelta(random)).ToList();
            await store.Writer.ApplyPageAsync(deltas, strategies[random.Next(strategies.Length)], new CursorUpdate("crm", "p" + page));
        }

        var live = await SnapshotAsync(cs);
        await EmptyAsync(cs);

        var report = await store.RebuildRecordsAsync();

        (await SnapshotAsync(cs)).Should().Be(live, "a rebuild from the log gives back the live rows, columns and types");
        report.RecordsRebuilt.Should().Be(await Mirrors.CountAsync(cs, "mirror_records"));
        report.EventsRead.Should().Be(Convert.ToInt64(await Mirrors.ScalarAsync(cs, "SELECT count(*) FROM oxidemirror.mirror_events WHERE applied"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [PostgresFact]
    public async Task RebuildRecordsAsync_AfterRowsWereChangedByHand_RestoresThem()
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        await store.Writer.ApplyPageAsync(
            [
                Delta.Upsert("customers", "c1", new { name = "Ada", tier = 1 }, "crm").At(T0),
                Delta.Upsert("customers", "c2", new { name = "Grace" }, "crm").At(T0),
                Delta.Delete("customers", "c2", "crm").At(T0.AddMinutes(1)),
            ],
            LastWriteWins.Instance);
        var live = await SnapshotAsync(cs);
        var table = (string)(await Mirrors.ScalarAsync(cs, "SELECT table_name FROM oxidemirror.mirror_resources WHERE name = 'customers'"))!;
        await Mirrors.ScalarAsync(cs, $"UPDATE oxidemirror.mirror_records SET version = 99 WHERE record_id = 'c1'");
        await Mirrors.ScalarAsync(cs, $"DELETE FROM oxidemirror.\"{table}\"");
        await Mirrors.ScalarAsync(cs, "DELETE FROM oxidemirror.mirror_records WHERE record_id = 'c2'");

        await store.RebuildRecordsAsync();

        (await SnapshotAsync(cs)).Should().Be(live);
        (await store.GetTombstoneAsync("customers", "c2")).Should().NotBeNull("the delete is in the log");
    }

    [PostgresFact]
    public async Task RebuildRecordsAsync_Cancelled_ChangesNothing()
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        await store.Writer.ApplyPageAsync([Delta.Upsert("customers", "c1", new { name = "Ada" }, "crm").At(T0)], LastWriteWins.Instance);
        await Mirrors.ScalarAsync(cs, "UPDATE oxidemirror.mirror_records SET version = 99");
        var before = await SnapshotAsync(cs);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var act = () => store.RebuildRecordsAsync(cancelled.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        (await SnapshotAsync(cs)).Should().Be(before);
    }

    [PostgresFact]
    public async Task RebuildRecordsAsync_BesideARunningSync_LosesNoPageAndEqualsTheLog()
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        var random = new Random(9);
        var pages = Enumerable.Range(0, 40).Select(_ => Enumerable.Range(0, 20).Select(_ => RandomDelta(random)).ToList()).ToList();
        var writing = Task.Run(async () =>
        {
            for (var p = 0; p < pages.Count; p++)
            {
                await store.Writer.ApplyPageAsync(pages[p], LastWriteWins.Instance, new CursorUpdate("crm", "p" + p));
            }
        });

        for (var i = 0; i < 5; i++)
        {
            await store.RebuildRecordsAsync();
        }

        await writing;
        var live = await SnapshotAsync(cs);
        (await store.GetCursorAsync("crm")).Should().Be("p39");
        await store.RebuildRecordsAsync();
        (await SnapshotAsync(cs)).Should().Be(live, "pages written around the rebuilds are all in the log and in the tables");
    }

    [PostgresFact]
    public async Task RebuildRecordsAsync_OnAnEmptyMirror_RebuildsNothing()
    {
        var (store, _) = await Mirrors.OpenAsync(server);
        await using var __ = store;

        var report = await store.RebuildRecordsAsync();

        report.RecordsRebuilt.Should().Be(0);
        report.EventsRead.Should().Be(0);
    }

    private static Delta RandomDelta(Random random)
    {
        var resource = random.Next(3) switch { 0 => "customers", 1 => "orders", _ => "tickets" };
        var id = "r" + random.Next(12);
        var at = T0.AddMinutes(random.Next(-30, 300));
        var source = random.Next(4) == 0 ? "billing" : "crm";
        if (random.Next(6) == 0)
        {
            return Delta.Delete(resource, id, source).At(at);
        }

        object payload = random.Next(5) switch
        {
            0 => new { name = "n" + random.Next(100), tier = random.Next(3) },
            1 => new { name = "n" + random.Next(100), tags = new[] { "a", "b" }, address = new { city = "Berlin" } },
            2 => new { amount = random.Next(1000) / 10.0, paid = random.Next(2) == 0 },
            3 => new { tier = "gold", late_key = random.Next(50) },
            _ => new { name = (string?)null, amount = random.Next(10) },
        };
        return Delta.Upsert(resource, id, payload, source).At(at).WithConfidence(random.Next(1, 11) / 10.0);
    }

    /// <summary>Empties <c>mirror_records</c> and every resource table behind the store's back, so only a rebuild can fill them again.</summary>
    private static async Task EmptyAsync(string connectionString)
    {
        await Mirrors.ScalarAsync(connectionString, "DELETE FROM oxidemirror.mirror_records");
        var tables = await Mirrors.ScalarAsync(connectionString, "SELECT string_agg(format('oxidemirror.%I', table_name), ', ') FROM oxidemirror.mirror_resources");
        if (tables is string list)
        {
            await Mirrors.ScalarAsync(connectionString, "TRUNCATE " + list);
        }
    }

    /// <summary>Every row of <c>mirror_records</c> and of each resource table, and each table's columns and types, as text in a fixed order.</summary>
    private static async Task<string> SnapshotAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        var text = new StringBuilder();
        var tables = new List<string> { "mirror_records" };
        await using (var list = new NpgsqlCommand("SELECT table_name FROM oxidemirror.mirror_resources ORDER BY name", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        foreach (var table in tables)
        {
            await using (var columns = new NpgsqlCommand("SELECT column_name || ' ' || data_type FROM information_schema.columns WHERE table_schema = 'oxidemirror' AND table_name = $1 ORDER BY ordinal_position", connection))
            {
                columns.Parameters.Add(new NpgsqlParameter { Value = table });
                await using var reader = await columns.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    text.Append(table).Append(": ").AppendLine(reader.GetString(0));
                }
            }

            var order = table == "mirror_records" ? "resource, record_id" : "record_id";
            await using var rows = new NpgsqlCommand($"SELECT t::text FROM oxidemirror.\"{table}\" t ORDER BY {order}", connection);
            await using var rowReader = await rows.ExecuteReaderAsync();
            while (await rowReader.ReadAsync())
            {
                text.Append(table).Append(" row ").AppendLine(rowReader.GetString(0));
            }
        }

        return text.ToString();
    }
}
