using System.Globalization;
using CsCheck;
using Microsoft.Extensions.Time.Testing;
using OxideMirror.Tests.Conflicts;

namespace OxideMirror.Tests.Log.TimeTravel;

/// <summary>
/// Property tests of time travel by validity: on random logs under every built-in strategy (deletes, re-creates, merges,
/// out-of-order event times with NewestWins, payload keys first seen later), an as-of query answers what a live query
/// saw at that moment, before and after compaction, and a rebuild reproduces the history the write path kept.
/// </summary>
public sealed class AsOfHistoryPropertyTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static readonly string[] Payloads =
    [
        """{"v":1,"nested":{"a":1,"b":{"c":1}}}""",
        """{"v":2,"arr":[1,2]}""",
        """{"nested":{"b":{"d":2}},"arr":[3],"late":"x"}""",
        """{}""",
        """{"v":1.5,"flag":true}""",
    ];

    private static readonly Gen<ConflictStrategyPropertyTests.Op[]> GenOps = ConflictStrategyPropertyTests.GenOps;

    [Fact]
    public async Task QueryAsync_AsOfEachMomentOfARandomLog_EqualsWhatALiveQuerySawThen()
    {
        await GenOps.SampleAsync(
            async ops =>
            {
                var clock = new FakeTimeProvider(Start);
                await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
                var seen = await ApplyCapturingAsync(store, clock, ops);

                foreach (var (moment, tables) in seen)
                {
                    (await DumpAsync(store, moment)).Should().Be(tables, $"the mirror as of {moment:O} is what a live query saw then");
                }

                (await DumpAsync(store, Start.AddSeconds(-1))).Should().Be(await DumpEmptyAsync(store), "before the first change every table is empty");
            },
            iter: 60,
            threads: 2);
    }

    [Fact]
    public async Task QueryAsync_AsOfAfterCompaction_AnswersMomentsSinceTheRetentionPointAsBeforeAndEarlierOnesFromTheLog()
    {
        await GenOps.SampleAsync(
            async ops =>
            {
                var clock = new FakeTimeProvider(Start);
                await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
                var seen = await ApplyCapturingAsync(store, clock, ops);
                var half = TimeSpan.FromMinutes(Math.Max(1, seen.Count / 2));
                var cutoff = clock.GetUtcNow() - half;

                await store.CompactAsync(RetentionPolicy.ForAge(half));

                foreach (var (moment, tables) in seen)
                {
                    var records = await RecordsAsOfAsync(store, moment);
                    records.Should().Be(await RecordsFromLogAsync(store, moment), $"as of {moment:O} the records follow from the compacted log");
                    if (moment >= cutoff)
                    {
                        (await DumpAsync(store, moment)).Should().Be(tables, $"{moment:O} is at or after the retention point {cutoff:O}");
                    }
                }
            },
            iter: 40,
            threads: 2);
    }

    [Fact]
    public async Task QueryAsync_AsOfOccurredTime_TakesEachRecordsApplyChangeThatOccurredLatestByThen()
    {
        await GenOps.SampleAsync(
            async ops =>
            {
                var clock = new FakeTimeProvider(Start);
                await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
                await ApplyCapturingAsync(store, clock, ops);

                for (var minute = -1; minute <= 5; minute++)
                {
                    var moment = ConflictStrategyPropertyTests.T0.AddMinutes(minute).AddSeconds(30);
                    var options = new QueryOptions { AsOf = moment, AsOfMode = AsOfMode.Occurred, MaxRows = 100_000 };
                    var asOf = Render(await store.QueryAsync($"SELECT {RecordColumns} FROM mirror_records ORDER BY resource, record_id", null, options, CancellationToken.None));
                    var expected = Render(await store.QueryAsync(
                        $"SELECT {RecordColumns} FROM (SELECT *, CASE WHEN payload IS NULL THEN last_synced_at END AS deleted_at FROM (SELECT resource, record_id, CASE WHEN op = 'delete' THEN NULL ELSE coalesce(merged_payload, payload) END AS payload, source, applied_at AS last_synced_at, occurred_at, confidence, version, " +
                        "row_number() OVER (PARTITION BY resource, record_id ORDER BY occurred_at DESC, seq DESC) AS n " +
                        "FROM mirror_events WHERE applied = 1 AND occurred_at <= $at) WHERE n = 1) ORDER BY resource, record_id",
                        new { at = Stamp(moment) },
                        new QueryOptions { MaxRows = 100_000 },
                        CancellationToken.None));
                    asOf.Should().Be(expected, $"as of {moment:O} in event time");

                    foreach (var table in await TablesAsync(store))
                    {
                        var rows = Render(await store.QueryAsync($"SELECT record_id, _version, _occurred_at FROM {table} ORDER BY record_id", null, options, CancellationToken.None));
                        var live = Render(await store.QueryAsync($"SELECT record_id, version AS _version, occurred_at AS _occurred_at FROM mirror_records WHERE resource = '{table}' AND deleted_at IS NULL ORDER BY record_id", null, options, CancellationToken.None));
                        rows.Should().Be(live, $"{table} as of {moment:O} in event time holds the records mirror_records does");
                    }
                }
            },
            iter: 40,
            threads: 2);
    }

    [Fact]
    public async Task RebuildRecordsAsync_AnyLog_ReproducesTheHistoryTheWritePathKept()
    {
        await GenOps.SampleAsync(
            async ops =>
            {
                using var dir = new TempDirectory();
                var path = dir.File();
                var clock = new FakeTimeProvider(Start);
                await using var store = await MirrorStore.OpenAsync(path, new MirrorStoreOptions { TimeProvider = clock });
                await ApplyCapturingAsync(store, clock, ops);
                var live = EventSourcingKit.History(path);

                EventSourcingKit.Execute(path, "DELETE FROM mirror_records_history WHERE replaced_seq % 2 = 0; UPDATE mirror_records_history SET version = -1; " +
                    "INSERT INTO mirror_records_history (replaced_seq, replaced_at, resource, record_id, source, last_synced_at, occurred_at, confidence, version) VALUES (999999, 't', 'alpha', 'x', 's', 't', 't', 1, 1); " +
                    "DELETE FROM mirror_epochs WHERE epoch = (SELECT min(epoch) FROM mirror_epochs); INSERT OR IGNORE INTO mirror_epochs (epoch) VALUES (424242)");
                foreach (var table in await TablesAsync(store))
                {
                    EventSourcingKit.Execute(path, $"DELETE FROM mirror_history_{table} WHERE \"~replaced_seq\" % 2 = 1; UPDATE mirror_history_{table} SET _version = -1");
                }

                EventSourcingKit.History(path).Should().NotBe(live, "the scrambled history must differ, or the check below proves nothing");
                await store.RebuildRecordsAsync();

                EventSourcingKit.History(path).Should().Be(live);
            },
            iter: 40,
            threads: 2);
    }

    private const string RecordColumns = "resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version, deleted_at";

    /// <summary>Applies the ops in batches, one minute apart, and after each batch reads every table live.</summary>
    private static async Task<List<(DateTimeOffset Moment, string Tables)>> ApplyCapturingAsync(MirrorStore store, FakeTimeProvider clock, ConflictStrategyPropertyTests.Op[] ops)
    {
        var seen = new List<(DateTimeOffset, string)>();
        var batch = new List<Delta>();
        IConflictStrategy? strategy = null;
        async Task FlushAsync()
        {
            await store.ApplyBatchAsync(batch, strategy!);
            seen.Add((clock.GetUtcNow(), await DumpAsync(store, null)));
            batch.Clear();
            strategy = null;
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        foreach (var op in ops)
        {
            strategy ??= ConflictStrategyContractTests.BuiltIns[op.Strategy];
            var resource = op.Resource == 0 ? "alpha" : "beta";
            var recordId = "r" + op.Record.ToString(CultureInfo.InvariantCulture);
            var source = "s" + op.Confidence.ToString(CultureInfo.InvariantCulture);
            var delta = (op.Delete
                    ? Delta.Delete(resource, recordId, source)
                    : Delta.Upsert(resource, recordId, Json.Parse(Payloads[op.Payload]), source))
                .WithConfidence(op.Confidence / 3.0)
                .At(ConflictStrategyPropertyTests.T0.AddMinutes(op.Minute));
            if (op.DeltaId >= 0)
            {
                delta = delta.WithId("d" + op.DeltaId.ToString(CultureInfo.InvariantCulture));
            }

            batch.Add(delta);
            if (op.Break)
            {
                await FlushAsync();
            }
        }

        if (batch.Count > 0)
        {
            await FlushAsync();
        }

        return seen;
    }

    /// <summary>Reads mirror_records and both resource tables (live, or as of a moment), each row as its non-null columns.</summary>
    private static async Task<string> DumpAsync(MirrorStore store, DateTimeOffset? asOf)
    {
        var options = new QueryOptions { AsOf = asOf, MaxRows = 100_000 };
        var text = new System.Text.StringBuilder();
        text.Append(Render(await store.QueryAsync($"SELECT {RecordColumns} FROM mirror_records ORDER BY resource, record_id", null, options, CancellationToken.None)));
        foreach (var table in new[] { "alpha", "beta" })
        {
            // A resource first seen later is an empty table as of earlier moments; live, it does not exist yet.
            text.Append("# ").Append(table).Append('\n');
            if ((await TablesAsync(store)).Contains(table))
            {
                text.Append(Render(await store.QueryAsync($"SELECT * FROM \"{table}\" ORDER BY record_id", null, options, CancellationToken.None)));
            }
        }

        return text.ToString();
    }

    private static Task<string> DumpEmptyAsync(MirrorStore store) => Task.FromResult("# alpha\n# beta\n");

    private static async Task<List<string>> TablesAsync(MirrorStore store) =>
        (await store.QueryAsync("SELECT table_name FROM mirror_resources ORDER BY name")).Rows.Select(r => (string)r["table_name"]!).ToList();

    private static async Task<string> RecordsAsOfAsync(MirrorStore store, DateTimeOffset moment) =>
        Render(await store.QueryAsync($"SELECT {RecordColumns} FROM mirror_records ORDER BY resource, record_id", null, new QueryOptions { AsOf = moment, MaxRows = 100_000 }, CancellationToken.None));

    /// <summary>The documented rule, read from the log itself: each record in the state set by its last applied event by then.</summary>
    private static async Task<string> RecordsFromLogAsync(MirrorStore store, DateTimeOffset moment) =>
        Render(await store.QueryAsync(
            $"SELECT {RecordColumns} FROM (SELECT *, CASE WHEN payload IS NULL THEN last_synced_at END AS deleted_at FROM (SELECT resource, record_id, CASE WHEN op = 'delete' THEN NULL ELSE coalesce(merged_payload, payload) END AS payload, source, applied_at AS last_synced_at, occurred_at, confidence, version, " +
            "max(seq) FROM mirror_events WHERE applied = 1 AND applied_at <= $at GROUP BY resource, record_id)) ORDER BY resource, record_id",
            new { at = Stamp(moment) },
            new QueryOptions { MaxRows = 100_000 },
            CancellationToken.None));

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Each row as its non-null columns: a column the table gained later is NULL in an earlier moment's rows.</summary>
    private static string Render(QueryResult result)
    {
        var text = new System.Text.StringBuilder();
        foreach (var row in result.Rows)
        {
            foreach (var column in result.Columns)
            {
                if (row[column] is { } value)
                {
                    text.Append(column).Append('=').Append(value switch
                    {
                        double d => d.ToString("R", CultureInfo.InvariantCulture),
                        System.Text.Json.JsonElement e => e.GetRawText(),
                        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
                    }).Append(';');
                }
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
