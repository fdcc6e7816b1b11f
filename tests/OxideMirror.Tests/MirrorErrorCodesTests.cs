using System.Reflection;
using Microsoft.Data.Sqlite;

namespace OxideMirror.Tests;

/// <summary>Every OxideMirror failure carries a stable code, so callers branch on it instead of on the message.</summary>
public sealed class MirrorErrorCodesTests
{
    [Fact]
    public void Codes_ArePublishedValues_UniqueAndSnakeCase()
    {
        var codes = typeof(MirrorErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);

        // Published values never change: a caller's switch on them must keep working.
        codes.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["Failed"] = "mirror_failed",
            ["InvalidDelta"] = "invalid_delta",
            ["InvalidPage"] = "invalid_page",
            ["SourceFailed"] = "source_failed",
            ["SchemaIncompatible"] = "schema_incompatible",
            ["StorageReadOnly"] = "storage_read_only",
            ["StorageDiskFull"] = "storage_disk_full",
            ["StorageBusy"] = "storage_busy",
            ["StorageFailed"] = "storage_failed",
            ["BadRequest"] = "bad_request",
            ["UnknownMethod"] = "unknown_method",
            ["UnknownSource"] = "unknown_source",
            ["SourceLocked"] = "source_locked",
            ["QueryRefused"] = "query_refused",
            ["QueryTimeout"] = "query_timeout",
            ["QueryFailed"] = "query_failed",
            ["SyncFailed"] = "sync_failed",
            ["CommandTimeout"] = "command_timeout",
            ["Cancelled"] = "cancelled",
            ["NotSupported"] = "not_supported",
            ["Internal"] = "internal",
        });
        codes.Values.Should().OnlyHaveUniqueItems();
        codes.Values.Should().OnlyContain(c => c.All(ch => ch == '_' || char.IsAsciiLetterLower(ch)));
    }

    [Fact]
    public async Task Code_OfAnInvalidDelta_IsInvalidDelta()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.ApplyAsync(Delta.Upsert("customers", "", new { name = "Acme" }, "crm"), LastWriteWins.Instance);

        (await act.Should().ThrowAsync<InvalidDeltaException>()).Which.Code.Should().Be("invalid_delta");
    }

    [Theory]
    [InlineData("DELETE FROM mirror_records", "query_refused")]
    [InlineData("SELECT * FROM no_such_table", "query_failed")]
    [InlineData("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n", "query_timeout")]
    public async Task Code_OfARefusedOrFailedQuery_NamesWhy(string sql, string code)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.QueryAsync(sql, null, new QueryOptions { Timeout = TimeSpan.FromMilliseconds(50) }, CancellationToken.None);

        (await act.Should().ThrowAsync<QueryException>()).Which.Code.Should().Be(code);
    }

    [Fact]
    public async Task Code_OfAnUnknownSource_IsUnknownSource()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var syncer = new Syncer(store);

        var act = () => syncer.SyncSourceAsync("nope");

        (await act.Should().ThrowAsync<UnknownSourceException>()).Which.Code.Should().Be("unknown_source");
    }

    [Fact]
    public async Task Code_OfAPageThatRepeatsItsCursor_IsInvalidPage()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var syncer = new Syncer(store);

        var act = () => syncer.SyncAsync(new StuckSource());

        (await act.Should().ThrowAsync<MirrorException>()).Which.Code.Should().Be("invalid_page");
    }

    [Fact]
    public async Task Code_OfAnotherApplicationsDatabase_IsSchemaIncompatible()
    {
        using var dir = new TempDirectory();
        var path = dir.File("app.db");
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE users (id INTEGER PRIMARY KEY)";
            await create.ExecuteNonQueryAsync();
        }

        var act = () => MirrorStore.OpenAsync(path);

        (await act.Should().ThrowAsync<MirrorSchemaException>()).Which.Code.Should().Be("schema_incompatible");
    }

    [Theory]
    [InlineData(MirrorStorageFailure.ReadOnly, "storage_read_only")]
    [InlineData(MirrorStorageFailure.DiskFull, "storage_disk_full")]
    [InlineData(MirrorStorageFailure.Busy, "storage_busy")]
    [InlineData(MirrorStorageFailure.Other, "storage_failed")]
    public void Code_OfAStorageFailure_FollowsItsFailure(MirrorStorageFailure failure, string code) =>
        new MirrorStorageException("The file failed.", failure, "/tmp/mirror.db").Code.Should().Be(code);

    [Fact]
    public void Code_OfAnHttpSourceFailure_IsSourceFailed() =>
        new HttpSourceException("crm", "customers", System.Net.HttpStatusCode.BadGateway, "The server failed.").Code.Should().Be("source_failed");

    [Fact]
    public void Code_OfAPlainMirrorException_IsMirrorFailed() =>
        new MirrorException("Something failed.").Code.Should().Be("mirror_failed");

    private sealed class StuckSource : ISyncSource
    {
        public string Id => "stuck";

        public Task<PullResult> PullAsync(string? cursor, CancellationToken cancellationToken = default) =>
            Task.FromResult(new PullResult([], "same", HasMore: true));
    }
}
