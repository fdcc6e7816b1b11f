using System.Text.Json;

namespace OxideMirror.Tests.Write;

/// <summary>
/// The public seam of the write path's rules (<see cref="DeltaRules"/>), which another store decides by: it must decide
/// every delta exactly as the SQLite store does, and refuse what the SQLite store refuses with the same words.
/// </summary>
public sealed class DeltaRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Strategies => new() { "last-write-wins", "merge-json", "highest-confidence", "keep-local", "newest-wins" };

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task Decide_ASequenceOfDeltas_DecidesAsTheSqliteStore(string label)
    {
        IConflictStrategy strategy = label switch
        {
            "merge-json" => new MergeJson(),
            "highest-confidence" => new HighestConfidence(),
            "keep-local" => new KeepLocal(),
            "newest-wins" => new NewestWins(),
            _ => LastWriteWins.Instance,
        };
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var rules = new DeltaRules();
        var deltas = new[]
        {
            Delta.Upsert("customers", "c1", Json("""{"name":"Ada","tier":1}"""), "crm").At(T0),
            Delta.Upsert("customers", "c1", Json("""{"tier":1,"name":"Ada"}"""), "crm").At(T0.AddMinutes(1)),
            Delta.Upsert("customers", "c1", Json("""{"seats":3}"""), "crm").At(T0.AddMinutes(2)).WithConfidence(0.5),
            Delta.Upsert("customers", "c1", Json("""{"name":"Grace"}"""), "crm").At(T0.AddMinutes(1)),
            Delta.Delete("customers", "c1", "crm").At(T0.AddMinutes(3)),
            Delta.Delete("customers", "c1", "crm").At(T0.AddMinutes(4)),
            Delta.Upsert("customers", "c1", Json("""{"name":"Back"}"""), "crm").At(T0.AddMinutes(5)),
            Delta.Delete("customers", "never", "crm").At(T0),
        };

        var records = new Dictionary<string, MirroredRecord>();
        foreach (var delta in deltas)
        {
            var sqlite = await store.ApplyAsync(delta, strategy);
            var decided = rules.Decide(records.GetValueOrDefault(delta.RecordId), delta, strategy, -1);

            decided.Decision.Should().Be(sqlite.Decision, $"for {delta.Op} at {delta.OccurredAt:t} under {label}");
            decided.Version.Should().Be(sqlite.Version);
            decided.Applied.Should().Be(sqlite.Applied);
            var live = await store.GetRecordAsync(delta.Resource, delta.RecordId);
            (decided.RecordPayload is null ? null : JsonDocument.Parse(decided.RecordPayload).RootElement.GetRawText())
                .Should().Be(decided.Applied || decided.RecordPayload is not null ? live?.Payload.GetRawText() : null);
            if (decided.Applied)
            {
                records[delta.RecordId] = new MirroredRecord
                {
                    Resource = delta.Resource,
                    RecordId = delta.RecordId,
                    Payload = decided.RecordPayload is null ? default : Json(decided.RecordPayload),
                    Source = delta.Provenance.Source,
                    OccurredAt = delta.OccurredAt,
                    LastSyncedAt = T0,
                    Confidence = delta.Provenance.Confidence,
                    Version = decided.Version,
                    IsDeleted = decided.Deletes,
                };
            }
        }
    }

    [Fact]
    public async Task Decide_PayloadOverTheLimit_IsRefusedInTheSqliteStoresWords()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { MaxPayloadBytes = 1024 });
        using var rules = new DeltaRules(1024);
        var delta = Delta.Upsert("customers", "c1", new { name = new string('x', 2000) }, "crm");

        var sqlite = await ((Func<Task>)(() => store.ApplyAsync(delta, LastWriteWins.Instance))).Should().ThrowAsync<InvalidDeltaException>();
        var seam = ((Action)(() => rules.Decide(null, delta, LastWriteWins.Instance, -1))).Should().Throw<InvalidDeltaException>();

        seam.Which.Message.Should().Be(sqlite.Which.Message);
        seam.Which.Field.Should().Be("Payload");
    }

    [Fact]
    public void Validate_BadDelta_NamesTheFieldAndItsPosition()
    {
        var act = () => DeltaRules.Validate(Delta.Upsert("customers", "c1", new { a = 1 }, "crm").WithConfidence(2), 3);

        var thrown = act.Should().Throw<InvalidDeltaException>().Which;
        thrown.Field.Should().Be("Provenance.Confidence");
        thrown.Index.Should().Be(3);
        thrown.Message.Should().StartWith("Delta 3 of the batch");
    }

    [Fact]
    public void CheckStrategy_WithoutALabel_IsRefused()
    {
        var act = () => DeltaRules.CheckStrategy(new Unlabelled());

        act.Should().Throw<ArgumentException>().WithMessage("*null Label*");
    }

    [Fact]
    public void TableName_AvoidsTheDialectsReservedWords_OnTopOfSqlites()
    {
        DeltaRules.TableName("user", []).Should().Be("user");
        DeltaRules.TableName("user", [], new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "user" }).Should().Be("r_user");
        DeltaRules.TableName("Select", []).Should().Be("r_select");
        DeltaRules.ColumnName("only", ["only"], new HashSet<string> { "only" }).Should().Be("f_only");
    }

    [Fact]
    public void LogText_IsWhatTheSqliteStoreStores()
    {
        DeltaRules.OpText(DeltaOp.Upsert).Should().Be("upsert");
        DeltaRules.DecisionText(ApplyDecision.Merged).Should().Be("merge");
        DeltaRules.DecisionText(ApplyDecision.Skipped).Should().Be("skip");
    }

    [Fact]
    public void LogText_ReadsBackToWhatWasWritten_AndAnUnknownWordIsAClearError()
    {
        foreach (var decision in Enum.GetValues<ApplyDecision>())
        {
            DeltaRules.DecisionOf(DeltaRules.DecisionText(decision)).Should().Be(decision);
        }

        DeltaRules.OpOf(DeltaRules.OpText(DeltaOp.Upsert)).Should().Be(ChangeOp.Upsert);
        DeltaRules.OpOf(DeltaRules.OpText(DeltaOp.Delete)).Should().Be(ChangeOp.Delete);
        DeltaRules.OpOf("snapshot").Should().Be(ChangeOp.Snapshot);
        var unknown = () => DeltaRules.DecisionOf("teleport");
        unknown.Should().Throw<MirrorException>().WithMessage("*decision 'teleport'*Open the mirror with the version that wrote it*");
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private sealed class Unlabelled : IConflictStrategy
    {
        public string Label => null!;

        public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming) => ConflictResolution.Apply;
    }
}
