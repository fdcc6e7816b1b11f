using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OxideMirror.AI;
using OxideMirror.Tests.Query;
using OxideMirror.Contract.Tests;

namespace OxideMirror.Mcp.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostileQueriesOverMcp
{
    public const string Name = "Hostile queries over MCP";
}

/// <summary>
/// The core's hostile query corpus (HostileQueryTests.Hostile) sent through the MCP query tool: each one is refused
/// (a tool error with the core's code) or bounded (a truncated answer within the byte cap), and the database file and
/// the folders a query could write to are unchanged.
/// </summary>
[Collection(HostileQueriesOverMcp.Name)]
public sealed class HostileQueryMcpTests(HostileStoreFixture fixture) : IClassFixture<HostileStoreFixture>
{
    public static TheoryData<string, HostileOutcome, string> Hostile() => HostileQueryTests.Hostile();

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task QueryTool_HostileQuery_IsRefusedOrBounded_AndChangesNothing(string name, HostileOutcome expected, string sql)
    {
        var resolved = fixture.Resolve(sql);
        var fingerprint = fixture.Fingerprint();
        var files = fixture.Files();
        var counts = await fixture.Store.RecordCountsAsync();

        // Only the queries that must be stopped by the clock run under the store's short time limit; every other outcome
        // (a refusal, a cut answer) gets a long one, so that the guard or a cap decides and not a loaded machine's clock.
        var patient = expected is not (HostileOutcome.TimedOut or HostileOutcome.Stopped);
        var options = new MirrorToolOptions { QueryTimeout = patient ? TimeSpan.FromSeconds(20) : null, MaxQueryRows = 1_000 };
        await using (var session = await McpSession.StartAsync(b => b.WithMirrorTools(fixture.Store, options)))
        {
            var (result, answer, text) = await session.CallAsync("query", new { sql = resolved, max_rows = 1_000 });

            Encoding(text).Should().BeLessThanOrEqualTo(MirrorToolOptions.DefaultMaxAnswerBytes, "query {0}'s answer is bounded", name);
            var outcome = result.IsError == true ? answer.GetProperty("error").GetProperty("code").GetString() : answer.GetProperty("truncated").GetBoolean() ? "truncated" : answer.GetProperty("columns").GetArrayLength() == 0 ? "no-op" : "answered";
            outcome.Should().BeOneOf(Accepted(expected), "query {0} must be {1}; the tool answered {2}", name, expected, Shorten(text));
        }

        fixture.Fingerprint().Should().Be(fingerprint, "query {0} must not change the database", name);
        fixture.Files().Should().Equal(files, "query {0} must not create a file", name);
        (await fixture.Store.RecordCountsAsync()).Should().Equal(counts);
    }

    private static string[] Accepted(HostileOutcome expected) => expected switch
    {
        HostileOutcome.NotReadOnly => [MirrorErrorCodes.QueryRefused],
        HostileOutcome.Invalid => [MirrorErrorCodes.QueryFailed],
        HostileOutcome.BadArgument => [MirrorErrorCodes.BadRequest],
        HostileOutcome.TimedOut => [MirrorErrorCodes.QueryTimeout],
        HostileOutcome.Truncated => ["truncated"],
        HostileOutcome.Stopped => [MirrorErrorCodes.QueryTimeout, MirrorErrorCodes.QueryFailed],
        HostileOutcome.NoOp => ["no-op"],
        _ => throw new ArgumentOutOfRangeException(nameof(expected)),
    };

    private static int Encoding(string text) => System.Text.Encoding.UTF8.GetByteCount(text);

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
