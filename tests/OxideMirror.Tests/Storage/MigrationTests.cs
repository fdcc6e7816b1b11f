using Microsoft.Data.Sqlite;
using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Storage;

/// <summary>Schema migrations: forward-only, idempotent, and refusing files they cannot handle.</summary>
public sealed partial class MigrationTests
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

    public enum OtherDatabase
    {
        /// <summary>Another application's database in rollback-journal mode, closed.</summary>
        RollbackJournal,

        /// <summary>Another application's database in WAL mode, closed (its -wal and -shm are gone).</summary>
        Wal,

        /// <summary>Another application's WAL database with its tables checkpointed, held open by that application (its -wal and -shm are there).</summary>
        WalHeldOpen,
    }

    [Theory]
    [InlineData(OtherDatabase.RollbackJournal)]
    [InlineData(OtherDatabase.Wal)]
    [InlineData(OtherDatabase.WalHeldOpen)]
    public async Task OpenAsync_AnotherApplicationsDatabase_ThrowsMirrorSchemaExceptionAndLeavesEveryFileUnchanged(OtherDatabase kind)
    {
        using var dir = new TempDirectory();
        using var app = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = dir.File(), Pooling = false }.ToString());
        app.Open();
        Execute(
            app,
            (kind == OtherDatabase.RollbackJournal ? "PRAGMA journal_mode = DELETE; " : "PRAGMA journal_mode = WAL; ") +
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL); CREATE INDEX users_name ON users (name); " +
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL); INSERT INTO users (name) VALUES ('Ada'), ('Grace');" +
            (kind == OtherDatabase.WalHeldOpen ? " PRAGMA wal_checkpoint(PASSIVE);" : string.Empty));
        if (kind != OtherDatabase.WalHeldOpen)
        {
            app.Close();
        }

        var before = FileHashes.Of(dir.Path);

        var act = () => MirrorStore.OpenAsync(dir.File());

        var thrown = await act.Should().ThrowExactlyAsync<MirrorSchemaException>();
        thrown.Which.Message.Should().Contain(dir.File()).And.Contain("not a mirror").And.Contain("users, users_name, orders")
            .And.Contain("left the file as it was").And.Contain("a path that does not exist yet");
        FileHashes.Of(dir.Path).Should().Equal(before, "refusing the database must not change it, nor create or change a -wal or -shm file beside it");
        app.Open();
        using var count = app.CreateCommand();
        count.CommandText = "SELECT count(*) FROM users";
        count.ExecuteScalar().Should().Be(2L);
    }

    [Fact]
    public async Task OpenAsync_AnotherApplicationsDatabaseOnlyInItsWal_ThrowsMirrorSchemaExceptionAndLeavesTheDatabaseAndWalUnchanged()
    {
        // The other application holds its WAL database open and nothing was checkpointed yet: its tables are only in the
        // -wal, so the store must read it as any reader does (which may mark the -shm) and still change neither file.
        using var dir = new TempDirectory();
        using var app = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = dir.File(), Pooling = false }.ToString());
        app.Open();
        Execute(app, "PRAGMA journal_mode = WAL; CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL); INSERT INTO users (name) VALUES ('Ada');");
        var before = FileHashes.Of(dir.Path);

        var act = () => MirrorStore.OpenAsync(dir.File());

        (await act.Should().ThrowExactlyAsync<MirrorSchemaException>()).Which.Message.Should().Contain("not a mirror").And.Contain("users");
        var after = FileHashes.Of(dir.Path);
        after.Keys.Should().BeEquivalentTo(before.Keys, "no file may appear beside the database");
        after["mirror.db"].Should().Be(before["mirror.db"]);
        after["mirror.db-wal"].Should().Be(before["mirror.db-wal"]);
    }

    [Fact]
    public async Task OpenAsync_EmptyFile_CreatesMirror()
    {
        using var dir = new TempDirectory();
        await File.WriteAllBytesAsync(dir.File(), []);

        await using var store = await MirrorStore.OpenAsync(dir.File());
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);

        store.SchemaVersion.Should().Be(Migrator.LatestVersion);
        (await store.GetRecordAsync("customers", "c1")).Should().NotBeNull();
    }

    [Theory]
    [InlineData("DELETE")]
    [InlineData("WAL")]
    public async Task OpenAsync_SqliteDatabaseWithoutTables_CreatesMirror(string journalMode)
    {
        using var dir = new TempDirectory();
        using (var app = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = dir.File(), Pooling = false }.ToString()))
        {
            app.Open();
            Execute(app, $"PRAGMA journal_mode = {journalMode}; PRAGMA user_version = 7; CREATE TABLE scratch (x); DROP TABLE scratch;");
        }

        await using var store = await MirrorStore.OpenAsync(dir.File());

        store.SchemaVersion.Should().Be(Migrator.LatestVersion);
        (await store.ListResourcesAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task OpenAsync_FolderMissing_ThrowsMirrorException()
    {
        using var dir = new TempDirectory();

        var act = () => MirrorStore.OpenAsync(Path.Combine(dir.Path, "missing", "mirror.db"));

        await act.Should().ThrowAsync<MirrorException>();
        Directory.Exists(Path.Combine(dir.Path, "missing")).Should().BeFalse();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
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
