namespace OxideMirror.AI.Tests.Tools;

public sealed class SyncToolTests
{
    [Fact]
    public async Task Sync_OneSource_PullsAndReports()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var syncer = new Syncer(store).AddSource(StaticSource.FromDeltas("crm", ToolHarness.Customers(10)));
        var tools = store.CreateAITools(new MirrorToolOptions { EnableSync = true, Syncer = syncer });

        var answer = await tools.CallAsync("sync", new { source = "crm" });

        answer.GetProperty("succeeded").GetBoolean().Should().BeTrue();
        answer.GetProperty("reports")[0].GetProperty("applied").GetInt32().Should().Be(10);
        (await store.RecordCountsAsync())["customers"].Should().Be(10);
    }

    [Fact]
    public async Task Sync_UnknownSource_AnswersUnknownSourceNamingTheKnownOnes()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var syncer = new Syncer(store).AddSource(StaticSource.FromDeltas("crm", ToolHarness.Customers(1)));
        var tools = store.CreateAITools(new MirrorToolOptions { EnableSync = true, Syncer = syncer });

        var answer = await tools.CallAsync("sync", new { source = "erp" });

        answer.Code().Should().Be(MirrorErrorCodes.UnknownSource);
        answer.Message().Should().Contain("erp").And.Contain("crm");
    }

    [Fact]
    public async Task Sync_SourceThatThrows_AnswersSyncFailedWithItsMessage()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var syncer = new Syncer(store).AddSource(new FailingSource());
        var tools = store.CreateAITools(new MirrorToolOptions { EnableSync = true, Syncer = syncer });

        var answer = await tools.CallAsync("sync", new { source = "flaky" });

        answer.Code().Should().Be(MirrorErrorCodes.SyncFailed);
        answer.Message().Should().Contain("the service is down");
    }

    private sealed class FailingSource : ISyncSource
    {
        public string Id => "flaky";

        public Task<PullResult> PullAsync(string? cursor, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("the service is down");
    }
}
