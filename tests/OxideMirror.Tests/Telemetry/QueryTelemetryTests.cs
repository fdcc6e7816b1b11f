using System.Diagnostics;

namespace OxideMirror.Tests.Telemetry;

public sealed class QueryTelemetryTests
{
    private const string Thousand = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) SELECT x FROM c";

    [Fact]
    public async Task QueryAsync_Answered_RecordsDurationAndRowsOnTheDatabaseConventions()
    {
        using var directory = new TempDirectory();
        var path = directory.File();
        using var capture = TelemetryCapture.ForStore(path);
        await using var store = await MirrorStore.OpenAsync(path);

        var result = await store.QueryAsync("SELECT 1 AS a UNION ALL SELECT 2");

        result.Rows.Should().HaveCount(2);
        var duration = capture.Of("db.client.operation.duration").Should().ContainSingle().Subject;
        duration.Unit.Should().Be("s");
        duration.Tag("db.system.name").Should().Be("sqlite");
        duration.Tag("db.operation.name").Should().Be("query");
        duration.Tags.Should().NotContainKey("error.type");
        var rows = capture.Of("db.client.response.returned_rows").Should().ContainSingle().Subject;
        rows.Value.Should().Be(2);
        rows.Unit.Should().Be("{row}");
        capture.Of("oxidemirror.query.truncations").Should().BeEmpty();
        capture.Of("oxidemirror.query.failures").Should().BeEmpty();
    }

    [Fact]
    public async Task QueryAsync_CutByTheRowCap_CountsATruncation()
    {
        using var directory = new TempDirectory();
        var path = directory.File();
        using var capture = TelemetryCapture.ForStore(path);
        await using var store = await MirrorStore.OpenAsync(path);

        var result = await store.QueryAsync(Thousand, options: new QueryOptions { MaxRows = 10 });

        result.Truncated.Should().BeTrue();
        capture.Of("oxidemirror.query.truncations").Should().ContainSingle().Which.Unit.Should().Be("{query}");
        capture.Of("db.client.response.returned_rows").Should().ContainSingle().Which.Value.Should().Be(10);
    }

    [Fact]
    public async Task QueryAsync_Refused_CountsAFailureByItsCode()
    {
        using var directory = new TempDirectory();
        var path = directory.File();
        using var capture = TelemetryCapture.ForStore(path);
        await using var store = await MirrorStore.OpenAsync(path);

        var act = () => store.QueryAsync("DELETE FROM mirror_events");

        await act.Should().ThrowAsync<QueryNotReadOnlyException>();
        var failure = capture.Of("oxidemirror.query.failures").Should().ContainSingle().Subject;
        failure.Tag("error.type").Should().Be(MirrorErrorCodes.QueryRefused);
        failure.Unit.Should().Be("{query}");
        capture.Of("db.client.operation.duration").Should().ContainSingle().Which.Tag("error.type").Should().Be(MirrorErrorCodes.QueryRefused);
        capture.Of("db.client.response.returned_rows").Should().BeEmpty();
        var activity = capture.Activities.Should().ContainSingle().Subject;
        activity.Status.Should().Be(ActivityStatusCode.Error);
        activity.StatusDescription.Should().Be(MirrorErrorCodes.QueryRefused, "the message may quote the SQL, which is not recorded by default");
        activity.Events.Should().BeEmpty();
    }

    [Fact]
    public async Task QueryAsync_PastItsTimeLimit_CountsATimeout()
    {
        using var directory = new TempDirectory();
        var path = directory.File();
        using var capture = TelemetryCapture.ForStore(path);
        await using var store = await MirrorStore.OpenAsync(path, new MirrorStoreOptions { QueryTimeout = TimeSpan.FromMilliseconds(100) });

        var act = () => store.QueryAsync("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c");

        await act.Should().ThrowAsync<QueryTimeoutException>();
        capture.Of("oxidemirror.query.failures").Should().ContainSingle().Which.Tag("error.type").Should().Be(MirrorErrorCodes.QueryTimeout);
    }

    [Fact]
    public async Task QueryAsync_ByDefault_LeavesTheSqlOutOfItsActivity()
    {
        using var directory = new TempDirectory();
        var path = directory.File();
        using var capture = TelemetryCapture.ForStore(path);
        await using var store = await MirrorStore.OpenAsync(path);

        await store.QueryAsync("SELECT 'secret' AS s");

        var activity = capture.Activities.Should().ContainSingle().Subject;
        activity.OperationName.Should().Be("oxidemirror.query");
        activity.Kind.Should().Be(ActivityKind.Client);
        activity.GetTagItem("db.query.text").Should().BeNull();
        activity.TagObjects.Select(t => t.Value).OfType<string>().Should().NotContain(v => v.Contains("secret", StringComparison.Ordinal));
        activity.GetTagItem("db.response.returned_rows").Should().Be(1);
    }

    [Fact]
    public async Task QueryAsync_WhenOptedIn_RecordsTheSqlCutToTheLength()
    {
        using var directory = new TempDirectory();
        var path = directory.File();
        using var capture = TelemetryCapture.ForStore(path);
        await using var store = await MirrorStore.OpenAsync(path, new MirrorStoreOptions { RecordQueryText = true, RecordedQueryTextLength = 12 });

        await store.QueryAsync<long>("SELECT 42 AS answer_to_everything");

        capture.Activities.Should().ContainSingle().Which.GetTagItem("db.query.text").Should().Be("SELECT 42 AS");
    }

    [Fact]
    public async Task QueryAsync_WhenOptedIn_RecordsShortSqlWhole()
    {
        using var directory = new TempDirectory();
        var path = directory.File();
        using var capture = TelemetryCapture.ForStore(path);
        await using var store = await MirrorStore.OpenAsync(path, new MirrorStoreOptions { RecordQueryText = true });

        await store.QueryAsync("SELECT 1");

        capture.Activities.Should().ContainSingle().Which.GetTagItem("db.query.text").Should().Be("SELECT 1");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1024 * 1024 + 1)]
    public async Task OpenAsync_RecordedQueryTextLengthOutOfRange_Throws(int length)
    {
        var act = () => MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { RecordedQueryTextLength = length });

        (await act.Should().ThrowAsync<ArgumentOutOfRangeException>()).Which.Message.Should().Contain("RecordedQueryTextLength must be between 1 and 1,048,576");
    }

    [Fact]
    public void Cut_AtASurrogatePair_NeverSplitsIt()
    {
        MirrorTelemetry.Cut("ab\U0001F600cd", 3).Should().Be("ab");
        MirrorTelemetry.Cut("abc", 5).Should().Be("abc");
    }

    [Fact]
    public async Task RebuildAndCompact_RecordTheirDurations()
    {
        using var directory = new TempDirectory();
        var path = directory.File();
        using var capture = TelemetryCapture.ForStore(path);
        await using var store = await MirrorStore.OpenAsync(path);
        await store.ApplyAsync(Delta.Upsert("pets", "1", new { n = 1 }, "s"), LastWriteWins.Instance);

        await store.RebuildRecordsAsync();
        await store.CompactAsync(RetentionPolicy.ForVersions(1));

        capture.Of("oxidemirror.rebuild.duration").Should().ContainSingle().Which.Unit.Should().Be("s");
        capture.Of("oxidemirror.compaction.duration").Should().ContainSingle().Which.Tags.Should().NotContainKey("error.type");
    }
}
