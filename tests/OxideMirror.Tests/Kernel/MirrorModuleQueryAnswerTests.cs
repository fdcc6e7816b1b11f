using System.Text;
using System.Text.Json;

namespace OxideMirror.Tests.Kernel;

/// <summary>The bus answer of <c>query</c> is the result's JSON: within the byte cap, and always serializable.</summary>
public sealed class MirrorModuleQueryAnswerTests
{
    [Theory]
    [MemberData(nameof(Query.AnswerSizeTests.HostileShapes), MemberType = typeof(Query.AnswerSizeTests))]
    public async Task Query_HostileShape_PayloadStaysWithinMaxBytes(string shape, string sql, long maxBytes)
    {
        await using var h = await ModuleHarness.StartAsync();

        var answer = await h.SendAsync("query", new { sql, max_bytes = maxBytes });

        answer.Kind.Should().Be("query.ok", shape);
        Encoding.UTF8.GetByteCount(answer.Payload.GetRawText()).Should().BeLessThanOrEqualTo((int)maxBytes, shape);
        JsonSerializer.SerializeToUtf8Bytes(answer.Payload).Length.Should().BeLessThanOrEqualTo((int)maxBytes, "a host's transport writes the payload again: " + shape);
        answer.Payload.GetProperty("truncated").GetBoolean().Should().BeTrue(shape);
    }

    [Theory]
    [InlineData("""SELECT '{"a":"\udc00"}' AS v""")]
    [InlineData("""SELECT json_group_array(json('{"\udc00":1}')) AS v""")]
    public async Task Query_JsonTextWithAnUnpairedSurrogateEscape_AnswersOkWithTheTextAsAString(string sql)
    {
        // Before, the module answered 'internal': ToJson threw InvalidOperationException ("Invalid surrogate value").
        await using var h = await ModuleHarness.StartAsync();
        var text = (string)(await h.Store.QueryAsync(sql)).Rows[0]["v"]!;

        var answer = await h.SendAsync("query", new { sql });

        answer.Kind.Should().Be("query.ok", answer.Payload.GetRawText());
        answer.Payload.GetProperty("rows")[0].GetProperty("v").GetString().Should().Be(text);
        JsonSerializer.SerializeToUtf8Bytes(answer.Payload).Should().NotBeEmpty();
    }
}
