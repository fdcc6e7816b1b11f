using System.Text.Json;

namespace OxideMirror.Tests.Kernel;

/// <summary>
/// Whatever nesting the store accepts, every read the module answers can carry it, and the answer stays within the depth
/// System.Text.Json's readers and serializers take by default, so that a host's transport and an agent can read it.
/// </summary>
public sealed class MirrorModulePayloadDepthTests
{
    public static TheoryData<string, string> Reads => new()
    {
        { "get_record", """{"resource":"docs","id":"deep"}""" },
        { "list_records", """{"resource":"docs"}""" },
        { "history", """{"resource":"docs","id":"deep"}""" },
        { "explain", """{"resource":"docs","id":"deep"}""" },
        { "changes_since", """{"position":0}""" },
        { "changes_since", """{"since":"2000-01-01T00:00:00Z"}""" },
        { "query", """{"sql":"SELECT record_id, a FROM docs ORDER BY record_id"}""" },
    };

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task Read_RecordAtTheDeepestAcceptedNesting_AnswersOkWithAnswerDefaultReadersTake(string method, string args)
    {
        var deepest = await DeepJson.DeepestAcceptedAsync();
        await using var h = await ModuleHarness.StartAsync();
        await h.Store.ApplyBatchAsync(
            [Delta.Upsert("docs", "before", new { a = 1 }, "docs"), Delta.Upsert("docs", "deep", DeepJson.Element(deepest), "docs"), Delta.Upsert("docs", "next", new { a = 2 }, "docs")],
            LastWriteWins.Instance);

        var answer = await h.SendAsync(new BusCommand("mirror", method, ModuleHarness.Json(args), "c-1"));

        answer.Kind.Should().Be(method + ".ok", answer.Payload.ToString());
        var text = answer.Payload.GetRawText();
        text.Should().Contain(DeepJson.Text(deepest - 1), "the deep record's value comes back as JSON");
        var reread = () => JsonDocument.Parse(text).Dispose();
        reread.Should().NotThrow("an agent reads the answer with a default JsonDocument");
        var rewrite = () => JsonSerializer.SerializeToUtf8Bytes(answer.Payload);
        rewrite.Should().NotThrow("a host's transport writes the answer again with default options");
    }

    [Fact]
    public async Task ChangesSince_PageHoldingARecordAtTheDeepestAcceptedNesting_AnswersEveryChangeOnThePage()
    {
        var deepest = await DeepJson.DeepestAcceptedAsync();
        await using var h = await ModuleHarness.StartAsync();
        await h.Store.ApplyBatchAsync(
            [Delta.Upsert("docs", "before", new { a = 1 }, "docs"), Delta.Upsert("docs", "deep", DeepJson.Element(deepest), "docs"), Delta.Upsert("docs", "next", new { a = 2 }, "docs")],
            LastWriteWins.Instance);

        var page = await h.SendAsync("changes_since", new { position = 0, limit = 2 });
        var rest = page.Kind == "changes_since.ok"
            ? await h.SendAsync("changes_since", new { position = page.Payload.GetProperty("position").GetInt64(), limit = 2 })
            : null;

        page.Kind.Should().Be("changes_since.ok", page.Payload.ToString());
        page.Payload.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("record_id").GetString()).Should().Equal("before", "deep");
        page.Payload.GetProperty("has_more").GetBoolean().Should().BeTrue();
        rest!.Kind.Should().Be("changes_since.ok");
        rest.Payload.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("record_id").GetString()).Should().Equal("next");
    }

    [Fact]
    public void ToElement_RecordAnEarlierVersionStored64LevelsDeep_IsStillWritten()
    {
        // Before the limit was 61, the store took payloads up to 64 levels deep; the module must still answer them.
        var record = new MirroredRecord { Resource = "docs", RecordId = "old", Source = "docs", Payload = DeepJson.Element(64) };

        var answer = MirrorJson.ToElement(new { Records = new[] { record } });

        answer.GetRawText().Should().Contain(DeepJson.Text(64));
    }

    [Fact]
    public async Task Query_JsonTextNestedDeeperThanAnAnswerCarries_AnswersOkWithTheTextAsAString()
    {
        // Before, the module answered 'internal': ToJson nested the text as JSON, and reading the answer back went past 64 levels.
        await using var h = await ModuleHarness.StartAsync();
        var deep = DeepJson.Text(63);

        var answer = await h.SendAsync("query", new { sql = "SELECT @t AS v", parameters = new { t = deep } });

        answer.Kind.Should().Be("query.ok", answer.Payload.ToString());
        answer.Payload.GetProperty("rows")[0].GetProperty("v").GetString().Should().Be(deep);
    }
}
