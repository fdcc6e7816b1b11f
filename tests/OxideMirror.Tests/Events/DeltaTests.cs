using System.Text.Json;

namespace OxideMirror.Tests.Events;

public sealed class DeltaTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Upsert_JsonElementFromDisposedDocument_PayloadStillReadable()
    {
        Delta delta;
        using (var document = JsonDocument.Parse("""{"name":"Ada","address":{"city":"London"}}"""))
        {
            delta = Delta.Upsert("customers", "c1", document.RootElement, "crm");
        }

        delta.Payload.GetProperty("address").GetProperty("city").GetString().Should().Be("London");
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(delta, LastWriteWins.Instance);
        (await store.GetRecordAsync("customers", "c1"))!.Payload.ShouldBeJson("""{"name":"Ada","address":{"city":"London"}}""");
    }

    [Fact]
    public void Upsert_JsonElement_SetsFieldsAndDefaults()
    {
        var before = DateTimeOffset.UtcNow;

        var delta = Delta.Upsert("customers", "c1", Json.Parse("""{"a":1}"""), "crm");

        delta.Resource.Should().Be("customers");
        delta.RecordId.Should().Be("c1");
        delta.Op.Should().Be(DeltaOp.Upsert);
        delta.Provenance.Should().Be(new Provenance("crm", 1.0));
        delta.DeltaId.Should().BeNull();
        delta.OccurredAt.Should().BeOnOrAfter(before).And.BeOnOrBefore(DateTimeOffset.UtcNow);
        delta.Payload.ShouldBeJson("""{"a":1}""");
    }

    [Fact]
    public void Upsert_AnonymousObject_SerializesToJsonObject()
    {
        var delta = Delta.Upsert("customers", "c1", new { name = "Ada", tags = new[] { "x", "y" }, address = new { city = "London" }, age = 36 }, "crm");

        delta.Op.Should().Be(DeltaOp.Upsert);
        delta.Payload.ValueKind.Should().Be(JsonValueKind.Object);
        delta.Payload.ShouldBeJson("""{"name":"Ada","tags":["x","y"],"address":{"city":"London"},"age":36}""");
    }

    [Fact]
    public async Task Upsert_NonObjectPayload_IsRefusedWhenApplied()
    {
        var delta = Delta.Upsert("customers", "c1", "just a string", "crm");
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var thrown = await FluentActions.Awaiting(() => store.ApplyAsync(delta, LastWriteWins.Instance)).Should().ThrowAsync<InvalidDeltaException>();

        thrown.Which.Field.Should().Be("Payload");
        thrown.Which.Index.Should().Be(-1);
        thrown.Which.Message.Should().Contain("a JSON string").And.Contain("customers/c1");
        (await store.EventCountAsync()).Should().Be(0);
    }

    [Fact]
    public void Delete_Always_HasDeleteOpAndNoPayload()
    {
        var delta = Delta.Delete("customers", "c1", "crm");

        delta.Op.Should().Be(DeltaOp.Delete);
        delta.Payload.ValueKind.Should().Be(JsonValueKind.Undefined);
        delta.Provenance.Should().Be(new Provenance("crm"));
        delta.RecordId.Should().Be("c1");
        delta.Resource.Should().Be("customers");
    }

    [Fact]
    public void WithConfidence_Always_ReturnsCopyAndLeavesOriginal()
    {
        var original = Delta.Upsert("customers", "c1", new { a = 1 }, "crm");

        var copy = original.WithConfidence(0.25);

        copy.Should().NotBeSameAs(original);
        copy.Provenance.Should().Be(new Provenance("crm", 0.25));
        original.Provenance.Should().Be(new Provenance("crm", 1.0));
        copy.Should().Be(original with { Provenance = new Provenance("crm", 0.25) });
    }

    [Fact]
    public void At_Always_ReturnsCopyAndLeavesOriginal()
    {
        var original = Delta.Delete("customers", "c1", "crm");
        var before = original.OccurredAt;

        var copy = original.At(T0);

        copy.OccurredAt.Should().Be(T0);
        original.OccurredAt.Should().Be(before);
        copy.Should().Be(original with { OccurredAt = T0 });
    }

    [Fact]
    public void WithId_Always_ReturnsCopyAndLeavesOriginal()
    {
        var original = Delta.Upsert("customers", "c1", new { a = 1 }, "crm");

        var copy = original.WithId("evt-42");

        copy.DeltaId.Should().Be("evt-42");
        original.DeltaId.Should().BeNull();
        copy.Should().Be(original with { DeltaId = "evt-42" });
    }

    [Fact]
    public void Chained_Copies_KeepEveryChange()
    {
        var delta = Delta.Upsert("customers", "c1", new { a = 1 }, "crm").WithConfidence(0.5).At(T0).WithId("x");

        (delta.Provenance.Confidence, delta.OccurredAt, delta.DeltaId, delta.Provenance.Source).Should().Be((0.5, T0, "x", "crm"));
    }

    [Fact]
    public void Factories_NullArguments_ThrowArgumentNullExceptionNamingTheParameter()
    {
        var payload = Json.Parse("{}");
        Check(() => Delta.Upsert(null!, "c1", payload, "crm"), "resource");
        Check(() => Delta.Upsert("customers", null!, payload, "crm"), "recordId");
        Check(() => Delta.Upsert("customers", "c1", payload, null!), "source");
        Check(() => Delta.Upsert(null!, "c1", new { a = 1 }, "crm"), "resource");
        Check(() => Delta.Upsert("customers", null!, new { a = 1 }, "crm"), "recordId");
        Check(() => Delta.Upsert("customers", "c1", new { a = 1 }, null!), "source");
        Check(() => Delta.Upsert<object>("customers", "c1", null!, "crm"), "payload");
        Check(() => Delta.Delete(null!, "c1", "crm"), "resource");
        Check(() => Delta.Delete("customers", null!, "crm"), "recordId");
        Check(() => Delta.Delete("customers", "c1", null!), "source");
        Check(() => Delta.Delete("customers", "c1", "crm").WithId(null!), "deltaId");

        static void Check(Func<Delta> act, string parameter) =>
            FluentActions.Invoking(act).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be(parameter);
    }

    public static TheoryData<string> InvalidCases { get; } = new("empty-resource", "blank-resource", "empty-record-id", "bad-op", "no-provenance", "empty-source", "confidence-nan", "confidence-negative", "confidence-above-one", "missing-payload", "array-payload", "empty-delta-id");

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public async Task ApplyAsync_InvalidField_ThrowsNamingFieldAndWritesNothing(string name)
    {
        var good = Delta.Upsert("customers", "c1", new { a = 1 }, "crm");
        var (delta, field) = name switch
        {
            "empty-resource" => (good with { Resource = "" }, "Resource"),
            "blank-resource" => (good with { Resource = "  " }, "Resource"),
            "empty-record-id" => (good with { RecordId = "" }, "RecordId"),
            "bad-op" => (good with { Op = (DeltaOp)7 }, "Op"),
            "no-provenance" => (good with { Provenance = null! }, "Provenance"),
            "empty-source" => (good with { Provenance = new Provenance("") }, "Provenance.Source"),
            "confidence-nan" => (good.WithConfidence(double.NaN), "Provenance.Confidence"),
            "confidence-negative" => (good.WithConfidence(-0.01), "Provenance.Confidence"),
            "confidence-above-one" => (good.WithConfidence(1.5), "Provenance.Confidence"),
            "missing-payload" => (good with { Payload = default }, "Payload"),
            "array-payload" => (good with { Payload = Json.Parse("[1]") }, "Payload"),
            "empty-delta-id" => (good with { DeltaId = "" }, "DeltaId"),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var thrown = await FluentActions.Awaiting(() => store.ApplyBatchAsync([good.WithId("ok"), delta], LastWriteWins.Instance)).Should().ThrowAsync<InvalidDeltaException>();

        thrown.Which.Field.Should().Be(field);
        thrown.Which.Index.Should().Be(1);
        thrown.Which.Message.Should().StartWith("Delta 1 of the batch");
        (await store.EventCountAsync()).Should().Be(0);
        (await store.GetRecordAsync("customers", "c1")).Should().BeNull();
    }

    [Fact]
    public async Task ApplyAsync_BoundaryConfidences_AreAccepted()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var zero = await store.ApplyAsync(Delta.Upsert("r", "1", new { a = 1 }, "s").WithConfidence(0), LastWriteWins.Instance);
        var one = await store.ApplyAsync(Delta.Upsert("r", "2", new { a = 1 }, "s").WithConfidence(1), LastWriteWins.Instance);

        zero.Applied.Should().BeTrue();
        one.Applied.Should().BeTrue();
    }
}
