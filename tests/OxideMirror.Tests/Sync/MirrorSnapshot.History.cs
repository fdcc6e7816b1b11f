using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using OxideMirror.CrashHost;

namespace OxideMirror.Tests.Sync;

/// <summary>
/// The record history of a mirror file (<c>mirror_records_history</c> and each <c>mirror_history_&lt;table&gt;</c>) and its
/// as-of answers, comparable across runs: an applied time differs from run to run, so every applied time a row holds
/// (<c>replaced_at</c>, <c>last_synced_at</c>, <c>deleted_at</c>, <c>~replaced_at</c>, <c>_synced_at</c>) is written as
/// the page whose batch the log says was applied then (each page commits in one transaction, at one applied time).
/// </summary>
internal sealed partial class MirrorSnapshot
{
    private static readonly HashSet<string> AppliedTimeColumns = new(StringComparer.Ordinal) { "replaced_at", "last_synced_at", "deleted_at", "~replaced_at", "_synced_at" };

    /// <summary>Gets the log's distinct applied times, in seq order: item <c>k</c> is when page <c>k + 1</c> committed.</summary>
    public IReadOnlyList<string> AppliedTimes { get; }

    /// <summary>Gets every history row of every history table, applied times written as pages, in (table, replaced seq) order.</summary>
    public IReadOnlyList<HistoryRow> History { get; }

    /// <summary>Gets the moment page <paramref name="pages"/> (1-based) committed at, as this run's log says.</summary>
    public DateTimeOffset CommittedAt(int pages) =>
        DateTimeOffset.Parse(AppliedTimes[pages - 1], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>Gets the history rows written by the first <paramref name="events"/> events of the log (the replacing event's seq is at most the last one's).</summary>
    public IReadOnlyList<HistoryRow> HistoryUpTo(IReadOnlyList<LoggedEvent> events)
    {
        var last = events.Count == 0 ? 0 : events[^1].Seq;
        return History.Where(h => h.ReplacedSeq <= last).ToList();
    }

    /// <summary>Reads the history of the file at <paramref name="path"/> as the moments of another store read it.</summary>
    public static IReadOnlyList<HistoryRow> ReadHistory(string path, IReadOnlyList<string> appliedTimes)
    {
        var page = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < appliedTimes.Count; i++)
        {
            page[appliedTimes[i]] = i + 1;
        }

        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        using var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        var tables = new List<string> { "mirror_records_history" };
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT 'mirror_history_' || table_name FROM mirror_resources ORDER BY table_name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var rows = new List<HistoryRow>();
        foreach (var table in tables)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\" ORDER BY 1";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var text = new StringBuilder();
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    var value = reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture);
                    text.Append(reader.GetName(i)).Append('=').Append(Normalize(reader.GetName(i), value, page)).Append(';');
                }

                rows.Add(new HistoryRow(table, reader.GetInt64(reader.GetOrdinal(table == "mirror_records_history" ? "replaced_seq" : "~replaced_seq")), text.ToString()));
            }
        }

        return rows;
    }

    /// <summary>Reads <c>mirror_records</c> as of a moment by applied time, as <see cref="Records"/> reads it live.</summary>
    public static async Task<IReadOnlyList<RecordState>> RecordsAsOfAsync(MirrorStore store, DateTimeOffset moment)
    {
        var records = await store.QueryAsync(RecordsSql, null, AsOf(moment, AsOfMode.Applied), CancellationToken.None);
        records.Truncated.Should().BeFalse("the as-of answer must hold every record");
        return Sorted(records.Rows.Select(RecordState.From));
    }

    /// <summary>
    /// Answers, as of the moment each of <paramref name="pages"/> committed (applied time) and as of the event time of
    /// that page's last delta (occurred time), <c>SELECT *</c> over <c>mirror_records</c> and each resource table, each
    /// answer as its row count and a hash of its rows with applied times written as pages.
    /// </summary>
    public async Task<IReadOnlyList<string>> AsOfAnswersAsync(MirrorStore store, IEnumerable<int> pages, int pageSize)
    {
        var page = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < AppliedTimes.Count; i++)
        {
            page[AppliedTimes[i]] = i + 1;
        }

        var tables = new List<string> { "mirror_records" };
        tables.AddRange((await store.QueryAsync("SELECT table_name FROM mirror_resources ORDER BY table_name")).Rows.Select(r => (string)r["table_name"]!));
        var answers = new List<string>();
        foreach (var p in pages)
        {
            var moments = new[]
            {
                (Mode: AsOfMode.Applied, At: CommittedAt(p), Label: $"applied time, page {p} committed"),
                (Mode: AsOfMode.Occurred, At: GeneratedSource.Epoch.AddSeconds(((long)p * pageSize) - 1), Label: $"event time of page {p}'s last delta"),
            };
            foreach (var (mode, at, label) in moments)
            {
                foreach (var table in tables)
                {
                    var order = table == "mirror_records" ? "resource, record_id" : "record_id";
                    var result = await store.QueryAsync($"SELECT * FROM \"{table}\" ORDER BY {order}", null, AsOf(at, mode), CancellationToken.None);
                    result.Truncated.Should().BeFalse("the as-of answer must hold every row");
                    var text = new StringBuilder();
                    foreach (var row in result.Rows)
                    {
                        foreach (var column in result.Columns)
                        {
                            var value = row[column] switch
                            {
                                null => null,
                                double d => d.ToString("R", CultureInfo.InvariantCulture),
                                JsonElement e => e.GetRawText(),
                                var v => Convert.ToString(v, CultureInfo.InvariantCulture),
                            };
                            text.Append(column).Append('=').Append(Normalize(column, value, page)).Append(';');
                        }

                        text.Append('\n');
                    }

                    var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
                    answers.Add($"{table} as of {label}: {result.RowCount} rows, {hash}");
                }
            }
        }

        return answers;
    }

    private static QueryOptions AsOf(DateTimeOffset moment, AsOfMode mode) =>
        new() { AsOf = moment, AsOfMode = mode, MaxRows = Unbounded.MaxRows, MaxBytes = Unbounded.MaxBytes, Timeout = Unbounded.Timeout };

    /// <summary>Writes an applied time as the page committed then; any other applied time stays visible, so that it differs.</summary>
    private static string Normalize(string column, string? value, Dictionary<string, int> page) =>
        value is null ? "NULL"
        : !AppliedTimeColumns.Contains(column) ? value
        : page.TryGetValue(value, out var p) ? $"page {p}"
        : $"not an applied time of the log: {value}";

    private static async Task<IReadOnlyList<string>> ReadAppliedTimesAsync(MirrorStore store)
    {
        var times = await store.QueryAsync("SELECT applied_at FROM mirror_events GROUP BY applied_at ORDER BY min(seq)", null, Unbounded, CancellationToken.None);
        return times.Rows.Select(r => (string)r["applied_at"]!).ToList();
    }

    /// <summary>One row of a history table: the table, the replacing event's seq, and the row's columns as text.</summary>
    internal sealed record HistoryRow(string Table, long ReplacedSeq, string Text)
    {
        public override string ToString() => $"{Table}: {Text}";
    }
}
