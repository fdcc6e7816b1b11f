using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace OxideMirror.AI.Tests.Functions;

/// <summary>How a failure reaches the model: answered as {"error":{"code","message"}}, whatever the chat client does with exceptions.</summary>
public sealed class MirrorFunctionTests
{
    [Fact]
    public async Task InvokeAsync_RefusedQuery_AnswersTheErrorCodeAndTheRealMessage()
    {
        await using var store = await ToolHarness.TwoServicesAsync();

        var answer = await store.CreateAITools().CallAsync("query", new { sql = "DELETE FROM customers" });

        answer.Code().Should().Be(MirrorErrorCodes.QueryRefused);
        answer.Message().Should().Contain("DELETE FROM customers").And.Contain("agent queries may only read");
        (await store.RecordCountsAsync())["customers"].Should().Be(40);
    }

    [Theory]
    [InlineData("SELECT nope FROM customers", MirrorErrorCodes.QueryFailed, "no such column: nope")]
    [InlineData("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c", MirrorErrorCodes.QueryTimeout, "time limit")]
    [InlineData("SELECT 1; DROP TABLE customers", MirrorErrorCodes.QueryRefused, "more than one statement")]
    public async Task InvokeAsync_FailedQuery_AnswersItsCode(string sql, string code, string words)
    {
        await using var store = await ToolHarness.TwoServicesAsync();
        var tools = store.CreateAITools(new MirrorToolOptions { QueryTimeout = TimeSpan.FromMilliseconds(200) });

        var answer = await tools.CallAsync("query", new { sql });

        answer.Code().Should().Be(code);
        answer.Message().Should().Contain(words);
    }

    [Fact]
    public async Task InvokeAsync_UnknownArgument_AnswersBadRequestNamingItAndTheKnownOnes()
    {
        await using var store = await ToolHarness.TwoServicesAsync();

        var answer = await store.CreateAITools().CallAsync("query", new { sql = "SELECT 1", limit = 5 });

        answer.Code().Should().Be(MirrorErrorCodes.BadRequest);
        answer.Message().Should().Contain("no argument 'limit'").And.Contain("max_rows");
    }

    [Theory]
    [InlineData("""{"sql": 42}""", "'sql' must be a string")]
    [InlineData("""{}""", "'sql' is required")]
    [InlineData("""{"sql": "SELECT 1", "max_rows": "many"}""", "'max_rows' must be a whole number")]
    [InlineData("""{"sql": "SELECT 1", "max_rows": 0}""", "'max_rows' is 0")]
    [InlineData("""{"sql": "SELECT 1", "params": [1]}""", "'params' must be an object")]
    [InlineData("""{"sql": "SELECT 1", "as_of": "yesterday"}""", "not a moment")]
    [InlineData("""{"sql": "SELECT 1", "as_of_mode": "occurred"}""", "needs 'as_of'")]
    [InlineData("""{"sql": "SELECT 1\u0000"}""", "NUL character")]
    public async Task InvokeAsync_BadArgument_AnswersBadRequestWithTheFix(string json, string words)
    {
        await using var store = await ToolHarness.TwoServicesAsync();
        var args = new AIFunctionArguments();
        using (var document = JsonDocument.Parse(json))
        {
            foreach (var p in document.RootElement.EnumerateObject())
            {
                args[p.Name] = p.Value.Clone();
            }
        }

        var answer = (JsonElement)(await store.CreateAITools().Tool("query").InvokeAsync(args))!;

        answer.Code().Should().Be(MirrorErrorCodes.BadRequest);
        answer.Message().Should().Contain(words);
    }

    [Fact]
    public async Task InvokeAsync_PlainDotNetArguments_AreReadLikeJson()
    {
        await using var store = await ToolHarness.TwoServicesAsync();
        var args = new AIFunctionArguments
        {
            ["sql"] = "SELECT count(*) AS n FROM invoices WHERE status = @status",
            ["params"] = new Dictionary<string, object?> { ["status"] = "open" },
            ["max_rows"] = 5,
        };

        var answer = (JsonElement)(await store.CreateAITools().Tool("query").InvokeAsync(args))!;

        answer.GetProperty("rows")[0].GetProperty("n").GetInt32().Should().Be(40);
    }

    [Fact]
    public async Task FunctionInvokingChatClient_WithoutDetailedErrors_StillShowsTheModelTheCodeAndMessage()
    {
        // The chat client hides a thrown exception's text unless IncludeDetailedErrors: the tools answer errors instead.
        await using var store = await ToolHarness.TwoServicesAsync();
        var model = new ScriptedModel(new FunctionCallContent("call-1", "query", new Dictionary<string, object?> { ["sql"] = "UPDATE customers SET tier = 'free'" }));
        using var client = new FunctionInvokingChatClient(model) { IncludeDetailedErrors = false };

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "downgrade everyone")], new ChatOptions { Tools = store.CreateAITools() });

        var result = model.SeenResults.Should().ContainSingle().Subject;
        result.Exception.Should().BeNull();
        var text = JsonSerializer.Serialize(result.Result);
        text.Should().Contain(MirrorErrorCodes.QueryRefused).And.Contain("UPDATE customers");
        (await store.RecordCountsAsync())["customers"].Should().Be(40);
    }

    [Fact]
    public async Task InvokeAsync_Cancelled_Throws()
    {
        await using var store = await ToolHarness.TwoServicesAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var call = async () => await store.CreateAITools().Tool("query").InvokeAsync(new AIFunctionArguments { ["sql"] = "SELECT 1" }, cancelled.Token);

        await call.Should().ThrowAsync<OperationCanceledException>();
    }

    /// <summary>A model that asks for one tool call, then answers with text, keeping the tool results it was shown.</summary>
    private sealed class ScriptedModel(FunctionCallContent call) : IChatClient
    {
        public List<FunctionResultContent> SeenResults { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var results = messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().ToList();
            if (results.Count == 0)
            {
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [call])));
            }

            SeenResults.AddRange(results);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "done")));
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            yield break;
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
