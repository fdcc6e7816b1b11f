using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace OxideMirror.Tests;

/// <summary>Shared data and independent checks for the store tests.</summary>
internal static class StoreTestKit
{
    public static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    public static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public static Delta Customer(string id, string name, string source = "crm") =>
        Delta.Upsert("customers", id, new { name }, source).At(T0);

    /// <summary>
    /// Reads every table of a mirror file through a plain Microsoft.Data.Sqlite connection (not the store's query
    /// path), so that a refused query cannot hide its own effect from the check.
    /// </summary>
    public static string Snapshot(string path)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        using var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        var text = new StringBuilder();
        foreach (var sql in new[]
        {
            "PRAGMA journal_mode",
            "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name",
            "SELECT * FROM mirror_schema_migrations ORDER BY version",
            "SELECT * FROM mirror_resources ORDER BY name",
            "SELECT * FROM mirror_records ORDER BY resource, record_id",
            "SELECT * FROM mirror_events ORDER BY seq",
            "SELECT * FROM mirror_cursors ORDER BY source, resource",
        })
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            text.Append(sql).Append('\n');
            while (reader.Read())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    text.Append(reader.IsDBNull(i) ? "<null>" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)).Append('|');
                }

                text.Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Reads one scalar through a plain connection to the file.</summary>
    public static object? Scalar(string path, string sql)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        using var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>Reads the decisions logged for a record, in log order.</summary>
    public static async Task<IReadOnlyList<(string Op, string Decision, long Applied, long Version)>> EventsAsync(MirrorStore store, string resource, string recordId)
    {
        var result = await store.QueryAsync(
            "SELECT op, decision, applied, version FROM mirror_events WHERE resource = @resource AND record_id = @recordId ORDER BY seq",
            new { resource, recordId });
        return result.Rows.Select(r => ((string)r["op"]!, (string)r["decision"]!, (long)r["applied"]!, (long)r["version"]!)).ToList();
    }

    /// <summary>
    /// The query plan SQLite gives <paramref name="sql"/> (EXPLAIN QUERY PLAN: each step's parent and detail) on a file
    /// store in <paramref name="dir"/> holding one record with two versions.
    /// </summary>
    public static async Task<List<(long Parent, string Detail)>> QueryPlanAsync(TempDirectory dir, string sql)
    {
        var path = dir.File();
        await using (var store = await MirrorStore.OpenAsync(path))
        {
            await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
            await store.ApplyAsync(Customer("c1", "Ada Lovelace"), LastWriteWins.Instance);
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        var plan = new List<(long Parent, string Detail)>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            plan.Add((reader.GetInt64(1), reader.GetString(3)));
        }

        return plan;
    }
}

/// <summary>A strategy that applies everything but can block, throw or cancel on its n-th call.</summary>
internal sealed class ScriptedStrategy : IConflictStrategy, IDisposable
{
    private readonly int _onCall;
    private readonly Action? _action;
    private int _calls;

    public ScriptedStrategy(int onCall, Action? action = null)
    {
        _onCall = onCall;
        _action = action;
    }

    public string Label => "scripted";

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Completes when the blocking call has been entered (the writer's transaction is open).</summary>
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ManualResetEventSlim Release { get; } = new(initialState: true);

    public static ScriptedStrategy BlockOn(int call)
    {
        var strategy = new ScriptedStrategy(call);
        strategy.Release.Reset();
        return strategy;
    }

    public static ScriptedStrategy ThrowOn(int call) =>
        new(call, () => throw new InvalidOperationException("The scripted strategy failed on purpose."));

    public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming)
    {
        if (Interlocked.Increment(ref _calls) == _onCall)
        {
            Entered.TrySetResult();
            _action?.Invoke();

            // A safety net so a failing test cannot leave the writer blocked forever; tests release it explicitly.
            Release.Wait(TimeSpan.FromMinutes(2));
        }

        return ConflictResolution.Apply;
    }

    public void Dispose() => Release.Dispose();
}

/// <summary>A clock a test sets to any moment, backwards included (an NTP step, a VM restored from a snapshot).</summary>
internal sealed class SettableClock : TimeProvider
{
    private long _ticks;

    public SettableClock(DateTimeOffset now)
    {
        Now = now;
    }

    public DateTimeOffset Now
    {
        get => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _ticks, value.UtcTicks);
    }

    public override DateTimeOffset GetUtcNow() => Now;
}
