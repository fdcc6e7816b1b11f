using Microsoft.Data.Sqlite;
using static OxideMirror.Tests.Store.StoreTestKit;

namespace OxideMirror.Tests.Store;

/// <summary>Schema migrations: forward-only, idempotent, and refusing files they cannot handle.</summary>
public sealed class MigrationTests
{
    [Fact]
    public async Task OpenAsync_NewFile_AppliesEveryMigrationOnce()
    {
        using var dir = new TempDirectory();

        await using var store = await MirrorStore.OpenAsync(dir.File());

        store.SchemaVersion.Should().Be(Migrator.LatestVersion).And.BeGreaterThan(0);
        store.Path.Should().Be(dir.File());
        var rows = await store.QueryAsync("SELECT version FROM mirror_schema_migrations ORDER BY version");
        rows.Rows.Select(r => r["version"]).Should().Equal(Enumerable.Range(1, Migrator.LatestVersion).Select(v => (object)(long)v));
    }

    [Fact]
    public async Task OpenAsync_SameFileTwice_IsIdempotent()
    {
        using var dir = new TempDirectory();
        int firstVersion;
        await using (var first = await MirrorStore.OpenAsync(dir.File()))
        {
            firstVersion = first.SchemaVersion;
            await first.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        }

        var schemaBefore = Scalar(dir.File(), "SELECT group_concat(name || ':' || sql, '|') FROM (SELECT name, sql FROM sqlite_schema ORDER BY name)");

        await using var second = await MirrorStore.OpenAsync(dir.File());

        second.SchemaVersion.Should().Be(firstVersion);
        var rows = await second.QueryAsync("SELECT version, count(*) AS n FROM mirror_schema_migrations GROUP BY version ORDER BY version");
        rows.RowCount.Should().Be(firstVersion);
        rows.Rows.Should().OnlyContain(r => (long)r["n"]! == 1);
        Scalar(dir.File(), "SELECT group_concat(name || ':' || sql, '|') FROM (SELECT name, sql FROM sqlite_schema ORDER BY name)").Should().Be(schemaBefore);
        (await second.GetRecordAsync("customers", "c1")).Should().NotBeNull();
    }

    [Fact]
    public async Task OpenAsync_NewerSchemaVersion_ThrowsMirrorSchemaExceptionAndLeavesFileUnchanged()
    {
        using var dir = new TempDirectory();
        await using (var store = await MirrorStore.OpenAsync(dir.File()))
        {
            await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        }

        var newer = Migrator.LatestVersion + 1;
        Execute(dir.File(), $"INSERT INTO mirror_schema_migrations (version, name, applied_at) VALUES ({newer}, 'from_the_future', '2030-01-01T00:00:00.0000000Z')");
        var bytes = await File.ReadAllBytesAsync(dir.File());

        var act = () => MirrorStore.OpenAsync(dir.File());

        var thrown = await act.Should().ThrowExactlyAsync<MirrorSchemaException>();
        thrown.Which.FoundVersion.Should().Be(newer);
        thrown.Which.SupportedVersion.Should().Be(Migrator.LatestVersion);
        thrown.Which.Message.Should().Contain($"schema version {newer}").And.Contain(dir.File());
        (await File.ReadAllBytesAsync(dir.File())).Should().Equal(bytes);
    }

    [Fact]
    public async Task OpenAsync_NewerSchemaInRollbackJournalFile_LeavesFileUnchanged()
    {
        // A newer mirror written by a tool that does not use WAL: refusing it must not convert it.
        using var dir = new TempDirectory();
        var newer = Migrator.LatestVersion + 1;
        Execute(
            dir.File(),
            "PRAGMA journal_mode = DELETE; CREATE TABLE mirror_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL); " +
            $"INSERT INTO mirror_schema_migrations VALUES ({newer}, 'from_the_future', '2030-01-01T00:00:00.0000000Z')");
        var bytes = await File.ReadAllBytesAsync(dir.File());

        var act = () => MirrorStore.OpenAsync(dir.File());

        (await act.Should().ThrowExactlyAsync<MirrorSchemaException>()).Which.FoundVersion.Should().Be(newer);
        (await File.ReadAllBytesAsync(dir.File())).Should().Equal(bytes);
        Directory.GetFiles(dir.Path).Should().Equal(dir.File());
    }

    [Theory]
    [InlineData(40)]
    [InlineData(8192)]
    public async Task OpenAsync_NotASqliteFile_ThrowsMirrorSchemaExceptionAndLeavesFileUnchanged(int length)
    {
        using var dir = new TempDirectory();
        var text = string.Concat(Enumerable.Repeat("This is not a SQLite database. ", (length / 31) + 1))[..length];
        await File.WriteAllTextAsync(dir.File(), text);
        var bytes = await File.ReadAllBytesAsync(dir.File());

        var act = () => MirrorStore.OpenAsync(dir.File());

        (await act.Should().ThrowExactlyAsync<MirrorSchemaException>()).Which.Message.Should().Contain("not a SQLite database").And.Contain(dir.File());
        (await File.ReadAllBytesAsync(dir.File())).Should().Equal(bytes);
        Directory.GetFiles(dir.Path).Should().Equal(dir.File());
    }

    [Fact]
    public async Task OpenAsync_FolderMissing_ThrowsMirrorException()
    {
        using var dir = new TempDirectory();

        var act = () => MirrorStore.OpenAsync(Path.Combine(dir.Path, "missing", "mirror.db"));

        await act.Should().ThrowAsync<MirrorException>();
        Directory.Exists(Path.Combine(dir.Path, "missing")).Should().BeFalse();
    }

    private static void Execute(string path, string sql)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false };
        using var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
