using System.Text.Json;
using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Events;

/// <summary>docs/design.md, guarantee 5: bad input gets a clear error and loses nothing.</summary>
public sealed class DeltaValidationTests
{
    public static TheoryData<string, string, string> InvalidDeltas => new()
    {
        // case, expected Field, text the message must hold
        { "empty resource", "Resource", "empty Resource (\"\")" },
        { "blank resource", "Resource", "empty Resource (\"  \")" },
        { "empty record id", "RecordId", "empty RecordId (\"\")" },
        { "blank record id", "RecordId", "empty RecordId (\" \")" },
        { "white-space record id", "RecordId", "empty RecordId (\"\t\n\")" },
        { "array payload", "Payload", "Payload is a JSON array" },
        { "string payload", "Payload", "Payload is a JSON string" },
        { "number payload", "Payload", "Payload is a JSON number" },
        { "null payload", "Payload", "Payload is JSON null" },
        { "undefined payload", "Payload", "Payload is missing" },
        { "NaN confidence", "Provenance.Confidence", "Confidence NaN" },
        { "negative confidence", "Provenance.Confidence", "Confidence -0.25" },
        { "confidence above 1", "Provenance.Confidence", "Confidence 1.5" },
        { "infinite confidence", "Provenance.Confidence", "Confidence Infinity" },
        { "empty source", "Provenance.Source", "empty Provenance.Source (\"\")" },
        { "blank source", "Provenance.Source", "empty Provenance.Source (\" \")" },
        { "null provenance", "Provenance", "has no Provenance" },
        { "unknown op", "Op", "has Op 7" },
        { "empty delta id", "DeltaId", "empty DeltaId" },
        { "blank delta id", "DeltaId", "empty DeltaId (\"  \")" },
        { "unpaired high surrogate in record id", "RecordId", "(\"ord\\uD83D\")" },
        { "unpaired low surrogate in resource", "Resource", "(\"\\uDE00pets\")" },
        { "unpaired surrogate in source", "Provenance.Source", "(\"crm\\uD800\")" },
        { "unpaired surrogate in delta id", "DeltaId", "(\"evt-\\uDFFF-1\")" },
    };

    [Theory]
    [MemberData(nameof(InvalidDeltas))]
    public async Task ApplyAsync_InvalidDelta_ThrowsNamingFieldAndWritesNothing(string scenario, string field, string quoted)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.ApplyAsync(Invalid(scenario), LastWriteWins.Instance);

        var thrown = await act.Should().ThrowExactlyAsync<InvalidDeltaException>();
        thrown.Which.Field.Should().Be(field);
        thrown.Which.Index.Should().Be(-1);
        thrown.Which.Message.Should().Contain(quoted).And.StartWith("The delta");
        (await store.EventCountAsync()).Should().Be(0);
        (await store.ListResourcesAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task ApplyAsync_ConfidenceAtBounds_IsAccepted()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var zero = await store.ApplyAsync(Customer("c1", "Ada").WithConfidence(0), LastWriteWins.Instance);
        var one = await store.ApplyAsync(Customer("c2", "Grace").WithConfidence(1), LastWriteWins.Instance);

        zero.Applied.Should().BeTrue();
        one.Applied.Should().BeTrue();
    }

    [Fact]
    public async Task ApplyAsync_DeleteWithoutPayload_IsValid()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);

        var result = await store.ApplyAsync(Delta.Delete("customers", "c1", "crm"), LastWriteWins.Instance);

        result.Decision.Should().Be(ApplyDecision.Deleted);
    }

    [Fact]
    public async Task ApplyBatchAsync_BadDeltaInMiddle_CommitsNothingAndStoreStaysUsable()
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());
        await store.ApplyBatchAsync([Customer("c1", "Ada")], LastWriteWins.Instance, new CursorUpdate("crm", "page-1"));
        var before = Snapshot(store.Path!);

        var act = () => store.ApplyBatchAsync(
            [Customer("c2", "Grace"), Customer("c1", "Ada").WithConfidence(double.NaN), Delta.Upsert("orders", "o1", new { total = 1 }, "crm")],
            LastWriteWins.Instance,
            new CursorUpdate("crm", "page-2"));

        var thrown = await act.Should().ThrowExactlyAsync<InvalidDeltaException>();
        thrown.Which.Index.Should().Be(1);
        thrown.Which.Field.Should().Be("Provenance.Confidence");
        thrown.Which.Message.Should().StartWith("Delta 1 of the batch").And.Contain("NaN");
        (await store.EventCountAsync()).Should().Be(1);
        (await store.RecordCountsAsync()).Should().BeEquivalentTo(new Dictionary<string, long> { ["customers"] = 1 });
        (await store.GetRecordAsync("customers", "c2")).Should().BeNull();
        (await store.GetCursorAsync("crm")).Should().Be("page-1");
        Snapshot(store.Path!).Should().Be(before);

        var good = await store.ApplyBatchAsync(
            [Customer("c2", "Grace"), Delta.Upsert("orders", "o1", new { total = 1 }, "crm")],
            LastWriteWins.Instance,
            new CursorUpdate("crm", "page-2"));

        good.Select(r => r.Decision).Should().Equal(ApplyDecision.Inserted, ApplyDecision.Inserted);
        (await store.EventCountAsync()).Should().Be(3);
        (await store.RecordCountsAsync()).Should().BeEquivalentTo(new Dictionary<string, long> { ["customers"] = 2, ["orders"] = 1 });
        (await store.GetCursorAsync("crm")).Should().Be("page-2");
    }

    [Fact]
    public async Task ApplyBatchAsync_StrategyFailsMidBatch_RollsBackEverythingAndStoreStaysUsable()
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());
        await store.ApplyBatchAsync([Customer("c1", "Ada")], LastWriteWins.Instance, new CursorUpdate("crm", "page-1"));
        var before = Snapshot(store.Path!);
        using var failing = ScriptedStrategy.ThrowOn(3);

        // The first two deltas are written inside the open transaction (one to a new resource) before the third fails.
        var act = () => store.ApplyBatchAsync(
            [Customer("c1", "Ada L."), Delta.Upsert("orders", "o1", new { total = 1 }, "crm"), Customer("c2", "Grace")],
            failing,
            new CursorUpdate("crm", "page-2"));

        await act.Should().ThrowAsync<InvalidOperationException>();
        Snapshot(store.Path!).Should().Be(before);
        (await store.ListResourcesAsync()).Should().Equal("customers");

        // A later batch for the rolled-back resource must register it again.
        await store.ApplyBatchAsync([Delta.Upsert("orders", "o1", new { total = 1 }, "crm")], LastWriteWins.Instance, new CursorUpdate("crm", "page-2"));
        (await store.ListResourcesAsync()).Should().Equal("customers", "orders");
        (await store.RecordCountsAsync()).Should().BeEquivalentTo(new Dictionary<string, long> { ["customers"] = 1, ["orders"] = 1 });
        (await store.GetCursorAsync("crm")).Should().Be("page-2");
    }

    [Fact]
    public async Task ApplyBatchAsync_IdsThatDifferOnlyInUnpairedSurrogates_AreRefusedInsteadOfMergedIntoOneRecord()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        // SQLite stores text as UTF-8, where an unpaired surrogate becomes U+FFFD: these three distinct ids would all be
        // written as "id-\uFFFD", and the second and third would overwrite the first record.
        var act = () => store.ApplyBatchAsync(
            [Customer("id-\uFFFD", "Ada"), Customer("id-\uD800", "Grace"), Customer("id-\uDC00", "Linus")],
            LastWriteWins.Instance);

        var thrown = await act.Should().ThrowExactlyAsync<InvalidDeltaException>();
        thrown.Which.Index.Should().Be(1);
        thrown.Which.Field.Should().Be("RecordId");
        thrown.Which.Message.Should().StartWith("Delta 1 of the batch").And.Contain("\"id-\\uD800\"").And.Contain("unpaired UTF-16 surrogate");
        (await store.EventCountAsync()).Should().Be(0);

        var paired = await store.ApplyBatchAsync([Customer("id-\uD83D\uDE00", "Ada"), Customer("id-\uD83D\uDE01", "Grace")], LastWriteWins.Instance);
        paired.Select(r => r.Decision).Should().Equal(ApplyDecision.Inserted, ApplyDecision.Inserted);
        (await MirrorTables.LiveRecordIdsAsync(store, "customers")).Should().BeEquivalentTo("id-😀", "id-😁");
    }

    [Theory]
    [InlineData("cursor.Source")]
    [InlineData("cursor.Resource")]
    [InlineData("cursor.Cursor")]
    public async Task ApplyBatchAsync_CursorWithUnpairedSurrogate_ThrowsNamingItAndWritesNothing(string parameter)
    {
        // Built here rather than passed in: xUnit's serialization of theory data would replace the surrogate.
        var (source, resource, cursor) = parameter switch
        {
            "cursor.Source" => ("crm\uD800", "*", "c"),
            "cursor.Resource" => ("crm", "pages\uDC00", "c"),
            _ => ("crm", "*", "page-\uD800"),
        };
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.ApplyBatchAsync([Customer("c1", "Ada")], LastWriteWins.Instance, new CursorUpdate(source, cursor, resource));

        var thrown = await act.Should().ThrowExactlyAsync<ArgumentException>();
        thrown.Which.ParamName.Should().Be(parameter);
        thrown.Which.Message.Should().Contain("unpaired UTF-16 surrogate");
        (await store.EventCountAsync()).Should().Be(0);
    }

    [Theory]
    [InlineData("""{"name":"Ada","profile":{"bio":"cut in half \ud83d"}}""", "$.profile.bio", "a string")]
    [InlineData("""{"name":"Ada","tags":[1,{"ok":1,"\udc00x":2}]}""", "$.tags[1], key 2", "a key")]
    public async Task ApplyBatchAsync_PayloadWithUnpairedSurrogateEscape_ThrowsNamingWhereAndCommitsNothing(string payload, string path, string what)
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());
        await store.ApplyBatchAsync([Customer("c1", "Ada")], LastWriteWins.Instance, new CursorUpdate("crm", "page-1"));
        var before = Snapshot(store.Path!);

        // JSON allows "\ud83d" on its own (a string cut between the two halves of an emoji), but no UTF-8 text can hold it.
        var act = () => store.ApplyBatchAsync(
            [Delta.Upsert("orders", "o1", new { total = 1 }, "crm"), Delta.Upsert("customers", "c2", Json(payload), "crm")],
            LastWriteWins.Instance,
            new CursorUpdate("crm", "page-2"));

        var thrown = await act.Should().ThrowExactlyAsync<InvalidDeltaException>();
        thrown.Which.Field.Should().Be("Payload");
        thrown.Which.Index.Should().Be(1);
        thrown.Which.Message.Should().StartWith("Delta 1 of the batch (\"customers\"/\"c2\")")
            .And.Contain($"{what} with an unpaired UTF-16 surrogate escape at {path}");
        Snapshot(store.Path!).Should().Be(before);
        (await store.ApplyBatchAsync([Customer("c2", "Grace")], LastWriteWins.Instance, new CursorUpdate("crm", "page-2")))
            .Single().Decision.Should().Be(ApplyDecision.Inserted, "the store stays usable");
    }

    [Fact]
    public async Task ApplyAsync_PayloadDeeperThanTheStoreReads_IsRefused_AndTheDeepestAcceptedStaysReadableAndMergeable()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.ApplyAsync(Delta.Upsert("docs", "d1", Nested(62), "src"), MergeJson.Instance);

        var thrown = await act.Should().ThrowExactlyAsync<InvalidDeltaException>();
        thrown.Which.Field.Should().Be("Payload");
        thrown.Which.Message.Should().StartWith("The delta (\"docs\"/\"d1\")").And.Contain("more than 61 levels deep at $.a.a.a").And.Contain("64 levels JSON readers take by default");
        (await store.EventCountAsync()).Should().Be(0);

        // The deepest payload accepted must stay readable: a conflict strategy, a read and a rebuild parse it again, and
        // an answer nests it three levels down, within the 64 levels System.Text.Json reads by default.
        await store.ApplyAsync(Delta.Upsert("docs", "d1", Nested(61), "src"), MergeJson.Instance);
        var merged = await store.ApplyAsync(Delta.Upsert("docs", "d1", new { title = "x" }, "src"), MergeJson.Instance);
        merged.Decision.Should().Be(ApplyDecision.Merged);
        var record = await store.GetRecordAsync("docs", "d1");
        record!.Payload.GetProperty("title").GetString().Should().Be("x");
        (await store.RebuildRecordsAsync()).RecordsRebuilt.Should().Be(1);
    }

    [Fact]
    public async Task ApplyAsync_PayloadThousandsOfLevelsDeep_ThrowsInvalidDeltaException()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var deep = "{\"a\":" + new string('[', 3000) + new string(']', 3000) + "}";
        using var document = JsonDocument.Parse(deep, new JsonDocumentOptions { MaxDepth = 4000 });

        var act = () => store.ApplyAsync(Delta.Upsert("docs", "d1", document.RootElement, "src"), LastWriteWins.Instance);

        (await act.Should().ThrowExactlyAsync<InvalidDeltaException>()).Which.Message.Should().Contain("more than 61 levels deep at $.a[0][0]");
        (await store.EventCountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task ApplyAsync_StrategyReturnsMergedPayloadTooDeep_ThrowsNamingTheStrategyAndWritesNothing()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);

        var act = () => store.ApplyAsync(Customer("c1", "Grace"), new DeepMerge());

        var thrown = await act.Should().ThrowExactlyAsync<InvalidOperationException>();
        thrown.Which.Message.Should().Contain("'deep-merge'").And.Contain("customers/c1").And.Contain("more than 61 levels deep");
        (await store.EventCountAsync()).Should().Be(1);
        (await store.ApplyAsync(Customer("c1", "Grace"), MergeJson.Instance)).Decision.Should().Be(ApplyDecision.Merged);
    }

    private static JsonElement Nested(int levels)
    {
        var text = string.Concat(Enumerable.Repeat("{\"a\":", levels)) + "1" + new string('}', levels);
        using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 200 });
        return document.RootElement.Clone();
    }

    [Fact]
    public async Task ApplyBatchAsync_StrategyWithNullLabel_ThrowsNamingTheStrategyAndWritesNothing()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.ApplyBatchAsync([Customer("c1", "Ada"), Customer("c2", "Grace")], new Unlabelled());

        var thrown = await act.Should().ThrowExactlyAsync<ArgumentException>();
        thrown.Which.ParamName.Should().Be("strategy");
        thrown.Which.Message.Should().Contain(nameof(Unlabelled)).And.Contain("Label");
        (await store.EventCountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task ApplyBatchAsync_NullDeltaInBatch_ThrowsArgumentNullAndWritesNothing()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.ApplyBatchAsync([Customer("c1", "Ada"), null!], LastWriteWins.Instance);

        await act.Should().ThrowAsync<ArgumentNullException>().WithMessage("*Delta 1 of the batch is null*");
        (await store.EventCountAsync()).Should().Be(0);
    }

    [Theory]
    [InlineData("", "page")]
    [InlineData("crm", " ")]
    public async Task ApplyBatchAsync_CursorWithEmptyName_ThrowsAndWritesNothing(string source, string resource)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.ApplyBatchAsync([Customer("c1", "Ada")], LastWriteWins.Instance, new CursorUpdate(source, "c", resource));

        await act.Should().ThrowAsync<ArgumentException>();
        (await store.EventCountAsync()).Should().Be(0);
    }

    private static Delta Invalid(string scenario)
    {
        var good = Customer("c1", "Ada");
        return scenario switch
        {
            "empty resource" => good with { Resource = "" },
            "blank resource" => good with { Resource = "  " },
            "empty record id" => good with { RecordId = "" },
            "blank record id" => good with { RecordId = " " },
            "white-space record id" => good with { RecordId = "\t\n" },
            "array payload" => good with { Payload = Json("""[{"name":"Ada"}]""") },
            "string payload" => good with { Payload = Json("\"Ada\"") },
            "number payload" => good with { Payload = Json("42") },
            "null payload" => good with { Payload = Json("null") },
            "undefined payload" => good with { Payload = default(JsonElement) },
            "NaN confidence" => good.WithConfidence(double.NaN),
            "negative confidence" => good.WithConfidence(-0.25),
            "confidence above 1" => good.WithConfidence(1.5),
            "infinite confidence" => good.WithConfidence(double.PositiveInfinity),
            "empty source" => Delta.Upsert("customers", "c1", new { name = "Ada" }, ""),
            "blank source" => Delta.Upsert("customers", "c1", new { name = "Ada" }, " "),
            "null provenance" => good with { Provenance = null! },
            "unknown op" => good with { Op = (DeltaOp)7 },
            "empty delta id" => good.WithId(""),
            "blank delta id" => good.WithId("  "),
            "unpaired high surrogate in record id" => good with { RecordId = "ord\uD83D" },
            "unpaired low surrogate in resource" => good with { Resource = "\uDE00pets" },
            "unpaired surrogate in source" => good with { Provenance = new Provenance("crm\uD800") },
            "unpaired surrogate in delta id" => good.WithId("evt-\uDFFF-1"),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "Unknown scenario."),
        };
    }

    private sealed class DeepMerge : IConflictStrategy
    {
        public string Label => "deep-merge";

        public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming) => ConflictResolution.ApplyMerged(Nested(70));
    }

    private sealed class Unlabelled : IConflictStrategy
    {
        public string Label => null!;

        public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming) => ConflictResolution.Apply;
    }
}
