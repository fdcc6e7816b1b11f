using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace OxideMirror.Tests.Log.TimeTravel;

/// <summary>
/// The plans SQLite makes through the applied-time views, on the SQLite the store ships with: a scan seeks each epoch
/// of the history and reads only its prefix (the versions current at the moment), and a lookup on an indexed field
/// starts from the history's index. Both hang on the planner's estimates (<see cref="AsOfViews"/>'s
/// <c>likelihood</c>), so a SQLite upgrade that changes them fails here rather than slowing time travel silently.
/// </summary>
public sealed class AsOfPlanTests
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AppliedViews_ScanAndIndexedLookup_SeekEpochsAndUseTheIndex()
    {
        using var dir = new TempDirectory();
        var path = dir.File();
        var clock = new FakeTimeProvider(Start);
        await using (var store = await MirrorStore.OpenAsync(path, new MirrorStoreOptions { TimeProvider = clock }))
        {
            await store.ApplyAsync(Delta.Upsert("customers", "c0", new { email = "c0@example.com", tier = 0 }, "crm"), LastWriteWins.Instance);
            await store.CreateIndexAsync("customers", "email");
            for (var batch = 0; batch < 3; batch++)
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                var deltas = Enumerable.Range(0, 1_000).Select(i =>
                    Delta.Upsert("customers", "c" + (i % 100).ToString(CultureInfo.InvariantCulture), new { email = $"c{i % 100}@example.com", tier = (batch * 1_000) + i }, "crm")).ToList();
                await store.ApplyBatchAsync(deltas, LastWriteWins.Instance);
            }
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        var moment = Timestamps.Write(Start.AddSeconds(1.5));
        AsOfViews.RegisterMoment(connection.Handle!, () => moment);
        var views = AsOfViews.Build(connection, AsOfMode.Applied, schemaGeneration: 0);
        foreach (var create in views.Create)
        {
            using var command = connection.CreateCommand();
            command.CommandText = create;
            command.ExecuteNonQuery();
        }

        // The views alias the history table h and mirror_epochs e; the plan names them so.
        var scan = Plan(connection, "SELECT count(*), sum(tier) FROM customers");
        var scanText = string.Join(" | ", scan);
        scan.Should().Contain(d => d.StartsWith("SEARCH e ", StringComparison.Ordinal), "a scan goes through the epochs ({0})", scanText)
            .And.Contain("SEARCH h USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)", "and reads each epoch's prefix by a seek on the key, not the whole history ({0})", scanText);
        scan.FindIndex(d => d.StartsWith("SEARCH e ", StringComparison.Ordinal)).Should().BeLessThan(scan.FindIndex(d => d.StartsWith("SEARCH h ", StringComparison.Ordinal)), "the epochs drive the seeks ({0})", scanText);

        var lookup = Plan(connection, "SELECT record_id, tier FROM customers WHERE email = 'c7@example.com'");
        var lookupText = string.Join(" | ", lookup);
        var history = lookup.FindIndex(d => d.StartsWith("SEARCH h USING INDEX", StringComparison.Ordinal) && d.Contains("email=?", StringComparison.Ordinal));
        history.Should().BeGreaterThanOrEqualTo(0, "an indexed lookup starts from the history's index ({0})", lookupText);
        history.Should().BeLessThan(lookup.FindIndex(d => d.StartsWith("SEARCH e ", StringComparison.Ordinal)), "and checks each row's epoch, rather than looking the index up once per epoch ({0})", lookupText);
    }

    private static List<string> Plan(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        using var reader = command.ExecuteReader();
        var details = new List<string>();
        while (reader.Read())
        {
            details.Add(reader.GetString(3));
        }

        return details;
    }
}
