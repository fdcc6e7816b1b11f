using System.Globalization;
using CsCheck;

namespace OxideMirror.Tests.Conflicts;

/// <summary>
/// Property tests: for any sequence of upserts and deletes over a few records, applied in batches with any mix of the
/// built-in strategies, the log is the truth.
/// </summary>
public sealed class ConflictStrategyPropertyTests
{
    internal static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly string[] Payloads =
    [
        """{"v":1,"nested":{"a":1,"b":{"c":1}}}""",
        """{"v":2,"arr":[1,2]}""",
        """{"nested":{"b":{"d":2}},"arr":[3]}""",
        """{}""",
        """{"v":1,"nested":{"a":1,"b":{"c":1}}}""",
    ];

    private static readonly double[] Confidences = [0, 0.3, 0.7, 1];

    private static readonly Gen<Op> GenOp =
        Gen.Select(Gen.Int[0, 1], Gen.Int[0, 2], Gen.Int[0, 3], Gen.Int[0, Payloads.Length - 1])
            .Select(Gen.Select(Gen.Int[0, 3], Gen.Int[0, 4], Gen.Int[0, ConflictStrategyContractTests.BuiltIns.Count - 1], Gen.Int[-1, 3], Gen.Int[0, 3]))
            .Select(t => new Op(t.Item1.Item1, t.Item1.Item2, t.Item1.Item3 == 0, t.Item1.Item4, t.Item2.Item1, t.Item2.Item2, t.Item2.Item3, t.Item2.Item4, t.Item2.Item5 == 0));

    internal static readonly Gen<Op[]> GenOps = GenOp.Array[1, 40];

    [Fact]
    public async Task ApplyBatchAsync_AnySequenceAndStrategies_LiveRecordsEqualReplayOfEventLog()
    {
        await GenOps.SampleAsync(
            async ops =>
            {
                await using var store = await MirrorStore.OpenInMemoryAsync();
                await ApplyAsync(store, ops);

                var live = await RowsAsync(store,
                    "SELECT resource, record_id, CASE WHEN deleted_at IS NULL THEN 'upsert' ELSE 'delete' END AS op, payload, version, source, confidence, occurred_at " +
                    "FROM mirror_records ORDER BY resource, record_id");
                var replay = await RowsAsync(store,
                    "SELECT e.resource, e.record_id, e.op, coalesce(e.merged_payload, e.payload) AS payload, e.version, e.source, e.confidence, e.occurred_at " +
                    "FROM mirror_events e WHERE e.applied = 1 AND e.seq = (SELECT max(x.seq) FROM mirror_events x WHERE x.resource = e.resource AND x.record_id = e.record_id AND x.applied = 1) " +
                    "ORDER BY e.resource, e.record_id");
                live.Should().Equal(replay);

                var versions = await RowsAsync(store,
                    "SELECT r.resource, r.record_id, r.version, (SELECT count(*) FROM mirror_events e WHERE e.resource = r.resource AND e.record_id = r.record_id AND e.applied = 1) AS applied_events " +
                    "FROM mirror_records r ORDER BY r.resource, r.record_id");
                versions.Should().OnlyContain(row => row.Split('|')[2] == row.Split('|')[3], "a record's version counts its applied events");
            },
            iter: 150,
            threads: 2);
    }

    [Fact]
    public async Task ApplyBatchAsync_ReplayingTheLoggedDeltas_RebuildsTheSameRecords()
    {
        await GenOps.SampleAsync(
            async ops =>
            {
                await using var store = await MirrorStore.OpenInMemoryAsync();
                await ApplyAsync(store, ops);

                await using var rebuilt = await MirrorStore.OpenInMemoryAsync();
                foreach (var logged in await MirrorTables.EventsAsync(store))
                {
                    var delta = (logged.Op == "delete"
                            ? Delta.Delete(logged.Resource, logged.RecordId, logged.Source)
                            : Delta.Upsert(logged.Resource, logged.RecordId, Json.Parse(logged.Payload!), logged.Source))
                        .WithConfidence(logged.Confidence)
                        .At(Timestamps.Read(logged.OccurredAt));
                    if (logged.DeltaId is { } id)
                    {
                        delta = delta.WithId(id);
                    }

                    var strategy = ConflictStrategyContractTests.BuiltIns.Single(s => s.Label == logged.Strategy);
                    var result = await rebuilt.ApplyAsync(delta, strategy);
                    result.Version.Should().Be(logged.Version);
                    result.Applied.Should().Be(logged.Applied);
                }

                const string Records = "SELECT resource, record_id, payload, source, occurred_at, confidence, version, deleted_at IS NULL FROM mirror_records ORDER BY resource, record_id";
                (await RowsAsync(rebuilt, Records)).Should().Equal(await RowsAsync(store, Records));
                const string Decisions = "SELECT seq, decision, applied, coalesce(merged_payload, '') FROM mirror_events ORDER BY seq";
                (await RowsAsync(rebuilt, Decisions)).Should().Equal(await RowsAsync(store, Decisions));
            },
            iter: 100,
            threads: 2);
    }

    internal static async Task ApplyAsync(MirrorStore store, Op[] ops)
    {
        var batch = new List<Delta>();
        IConflictStrategy? strategy = null;
        foreach (var op in ops)
        {
            strategy ??= ConflictStrategyContractTests.BuiltIns[op.Strategy];
            var resource = op.Resource == 0 ? "alpha" : "beta";
            var recordId = "r" + op.Record.ToString(CultureInfo.InvariantCulture);
            var source = "s" + op.Confidence.ToString(CultureInfo.InvariantCulture);
            var delta = (op.Delete
                    ? Delta.Delete(resource, recordId, source)
                    : Delta.Upsert(resource, recordId, Json.Parse(Payloads[op.Payload]), source))
                .WithConfidence(Confidences[op.Confidence])
                .At(T0.AddMinutes(op.Minute));
            if (op.DeltaId >= 0)
            {
                delta = delta.WithId("d" + op.DeltaId.ToString(CultureInfo.InvariantCulture));
            }

            batch.Add(delta);
            if (op.Break)
            {
                await store.ApplyBatchAsync(batch, strategy);
                batch.Clear();
                strategy = null;
            }
        }

        if (batch.Count > 0)
        {
            await store.ApplyBatchAsync(batch, strategy!);
        }
    }

    private static async Task<List<string>> RowsAsync(MirrorStore store, string sql)
    {
        var result = await store.QueryAsync(sql, null, new QueryOptions { MaxRows = 100_000 }, CancellationToken.None);
        return result.Rows.Select(r => string.Join('|', r.Values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "NULL"))).ToList();
    }

    /// <summary>One generated change: which record, upsert or delete, which payload, trust, time, strategy, idempotency id, and whether the batch ends after it.</summary>
    public sealed record Op(int Resource, int Record, bool Delete, int Payload, int Confidence, int Minute, int Strategy, int DeltaId, bool Break);
}
