using System.Collections.Concurrent;
using System.Text.Json;

namespace OxideMirror.Tests.Conflicts;

/// <summary>
/// Laws every built-in <see cref="IConflictStrategy"/> obeys, run once per strategy by a derived <c>&lt;Strategy&gt;Tests</c>
/// class, the way System.Threading.Channels runs <c>ChannelTestBase</c> against every channel kind.
/// </summary>
public abstract class ConflictStrategyContractTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Gets every strategy the library ships; a new built-in must be added here and get a derived test class.</summary>
    internal static IReadOnlyList<IConflictStrategy> BuiltIns { get; } =
        [LastWriteWins.Instance, HighestConfidence.Instance, KeepLocal.Instance, MergeJson.Instance, NewestWins.Instance];

    /// <summary>Gets the names of the (existing, incoming) pairs every law is checked against.</summary>
    public static TheoryData<string> Scenarios { get; } = new(ScenarioNames());

    /// <summary>Gets the names of the scenarios whose record was never seen.</summary>
    public static TheoryData<string> NeverSeenScenarios { get; } = new(ScenarioNames().Where(n => n.StartsWith("new-", StringComparison.Ordinal)));

    /// <summary>Creates the strategy under test.</summary>
    protected abstract IConflictStrategy CreateStrategy();

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Resolve_AnyScenario_ReturnsNonNull(string scenario)
    {
        var (existing, incoming) = Build(scenario);

        var resolution = CreateStrategy().Resolve(existing, incoming);

        resolution.Should().NotBeNull();
        resolution.Kind.Should().BeOneOf(ConflictResolutionKind.Apply, ConflictResolutionKind.Skip, ConflictResolutionKind.ApplyMerged);
        if (resolution.Kind == ConflictResolutionKind.ApplyMerged)
        {
            resolution.MergedPayload.ValueKind.Should().Be(JsonValueKind.Object);
        }
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Resolve_SameInputs_ReturnsSameDecision(string scenario)
    {
        var strategy = CreateStrategy();
        var (existing, incoming) = Build(scenario);
        var (existingTwin, incomingTwin) = Build(scenario);

        var first = strategy.Resolve(existing, incoming);
        var again = strategy.Resolve(existing, incoming);
        var twin = strategy.Resolve(existingTwin, incomingTwin);
        var otherInstance = CreateStrategy().Resolve(existingTwin, incomingTwin);

        Describe(again).Should().Be(Describe(first));
        Describe(twin).Should().Be(Describe(first), "the decision may depend only on the values of the two arguments");
        Describe(otherInstance).Should().Be(Describe(first));
    }

    [Theory]
    [MemberData(nameof(NeverSeenScenarios))]
    public void Resolve_NeverSeenRecord_Applies(string scenario)
    {
        var (existing, incoming) = Build(scenario);
        existing.Should().BeNull();

        var resolution = CreateStrategy().Resolve(existing, incoming);

        resolution.Kind.Should().Be(ConflictResolutionKind.Apply);
    }

    [Fact]
    public void Label_Always_IsNonEmptyStableAndUniqueAmongBuiltIns()
    {
        var strategy = CreateStrategy();

        strategy.Label.Should().NotBeNullOrWhiteSpace();
        strategy.Label.Should().Be(CreateStrategy().Label);
        BuiltIns.Should().ContainSingle(s => s.GetType() == strategy.GetType(), "every built-in strategy must be listed in BuiltIns");
        BuiltIns.Select(s => s.Label).Should().ContainSingle(label => label == strategy.Label);
        BuiltIns.Select(s => s.Label).Should().OnlyHaveUniqueItems();
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Resolve_AnyScenario_DoesNotMutateInputs(string scenario)
    {
        var (existing, incoming) = Build(scenario);
        var (existingTwin, incomingTwin) = Build(scenario);

        _ = CreateStrategy().Resolve(existing, incoming);

        existing.Should().Be(existingTwin);
        ShouldEqual(incoming, incomingTwin);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Resolve_ParallelCalls_AllAgreeWithSequentialDecision(string scenario)
    {
        var strategy = CreateStrategy();
        var (twinExisting, twinIncoming) = Build(scenario);
        var expected = Describe(strategy.Resolve(twinExisting, twinIncoming));

        // Shared inputs whose payload is still unparsed, so that parallel calls also race on its first use.
        var (existing, incoming) = Build(scenario);
        var wrong = new ConcurrentBag<string>();
        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            var actual = Describe(strategy.Resolve(existing, incoming));
            if (actual != expected)
            {
                wrong.Add(actual);
            }
        });

        wrong.Should().BeEmpty();
        existing.Should().Be(twinExisting);
        ShouldEqual(incoming, twinIncoming);
    }

    /// <summary>Builds a fresh (existing, incoming) pair; every call returns new, equal objects.</summary>
    internal static (MirroredRecord? Existing, Delta Incoming) Build(string scenario)
    {
        const string Stored = """{"name":"Ada","address":{"city":"London","zip":"N1"},"tags":["a","b"]}""";
        const string Change = """{"address":{"city":"Paris"},"tags":["c"],"tier":"gold"}""";
        return scenario switch
        {
            "new-upsert" => (null, Upsert(Change, 1.0, T0)),
            "new-upsert-low-confidence-old" => (null, Upsert(Change, 0.01, T0.AddYears(-10))),
            "new-delete" => (null, Delete(1.0, T0)),
            "new-delete-zero-confidence" => (null, Delete(0, T0.AddDays(-1))),
            "live-upsert-newer-more-trusted" => (Live(Stored, 0.5, T0), Upsert(Change, 0.9, T0.AddMinutes(1))),
            "live-upsert-older-less-trusted" => (Live(Stored, 0.9, T0), Upsert(Change, 0.5, T0.AddMinutes(-1))),
            "live-upsert-same-time-same-confidence" => (Live(Stored, 0.7, T0), Upsert(Change, 0.7, T0)),
            "live-upsert-same-payload" => (Live(Stored, 0.7, T0), Upsert(Stored, 0.7, T0.AddSeconds(1))),
            "live-upsert-disjoint-keys" => (Live("""{"a":1}""", 1, T0), Upsert("""{"b":{"c":[1,2]}}""", 1, T0.AddSeconds(1))),
            "live-delete-newer" => (Live(Stored, 0.5, T0), Delete(1.0, T0.AddMinutes(1))),
            "live-delete-older-less-trusted" => (Live(Stored, 0.9, T0), Delete(0.1, T0.AddMinutes(-1))),
            "tombstone-upsert-newer" => (Tombstone(0.5, T0), Upsert(Change, 0.9, T0.AddMinutes(1))),
            "tombstone-upsert-older" => (Tombstone(0.9, T0), Upsert(Change, 0.5, T0.AddMinutes(-1))),
            "tombstone-delete" => (Tombstone(0.5, T0), Delete(0.5, T0.AddMinutes(1))),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "Unknown scenario."),
        };
    }

    private static string[] ScenarioNames() =>
    [
        "new-upsert", "new-upsert-low-confidence-old", "new-delete", "new-delete-zero-confidence",
        "live-upsert-newer-more-trusted", "live-upsert-older-less-trusted", "live-upsert-same-time-same-confidence",
        "live-upsert-same-payload", "live-upsert-disjoint-keys", "live-delete-newer", "live-delete-older-less-trusted",
        "tombstone-upsert-newer", "tombstone-upsert-older", "tombstone-delete",
    ];

    private static MirroredRecord Live(string json, double confidence, DateTimeOffset occurredAt) => new()
    {
        Resource = "customers",
        RecordId = "c1",
        RawPayload = json, // as the store hands it over: parsed on first use
        Source = "crm",
        LastSyncedAt = occurredAt.AddSeconds(5),
        OccurredAt = occurredAt,
        Confidence = confidence,
        Version = 3,
    };

    private static MirroredRecord Tombstone(double confidence, DateTimeOffset occurredAt) => new()
    {
        Resource = "customers",
        RecordId = "c1",
        Source = "crm",
        LastSyncedAt = occurredAt.AddSeconds(5),
        OccurredAt = occurredAt,
        Confidence = confidence,
        Version = 4,
        IsDeleted = true,
    };

    private static Delta Upsert(string json, double confidence, DateTimeOffset occurredAt) =>
        Delta.Upsert("customers", "c1", Json.Parse(json), "billing").WithConfidence(confidence).At(occurredAt).WithId("d-1");

    private static Delta Delete(double confidence, DateTimeOffset occurredAt) =>
        Delta.Delete("customers", "c1", "billing").WithConfidence(confidence).At(occurredAt);

    private static string Describe(ConflictResolution resolution) =>
        resolution is null
            ? "null"
            : resolution.Kind == ConflictResolutionKind.ApplyMerged
                ? "ApplyMerged " + JsonSerializer.Serialize(resolution.MergedPayload)
                : resolution.Kind.ToString();

    private static void ShouldEqual(Delta actual, Delta expected)
    {
        actual.Resource.Should().Be(expected.Resource);
        actual.RecordId.Should().Be(expected.RecordId);
        actual.Op.Should().Be(expected.Op);
        actual.OccurredAt.Should().Be(expected.OccurredAt);
        actual.Provenance.Should().Be(expected.Provenance);
        actual.DeltaId.Should().Be(expected.DeltaId);
        actual.Payload.ValueKind.Should().Be(expected.Payload.ValueKind);
        if (expected.Payload.ValueKind != JsonValueKind.Undefined)
        {
            JsonElement.DeepEquals(actual.Payload, expected.Payload).Should().BeTrue();
            actual.Payload.GetRawText().Should().Be(expected.Payload.GetRawText());
        }
    }
}
