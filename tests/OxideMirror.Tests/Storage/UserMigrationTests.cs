using Microsoft.Extensions.Time.Testing;
using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Storage;

/// <summary>The caller's own forward-only migrations, applied alongside the store's and recorded apart from them.</summary>
public sealed class UserMigrationTests
{
    private static readonly UserMigration CreateNotes = new(1, "create_agent_notes", "CREATE TABLE agent_notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL)");
    private static readonly UserMigration IndexNotes = new(2, "index_agent_notes", "CREATE INDEX agent_notes_note ON agent_notes (note)");
    private static readonly UserMigration SeedNotes = new(3, "seed_agent_notes", "INSERT INTO agent_notes (note) VALUES ('hello')");
    private static readonly UserMigration SeedAsTwo = new(2, "seed_agent_notes", "INSERT INTO agent_notes (note) VALUES ('hello')");

    [Fact]
    public async Task OpenAsync_MigrationsRegisteredOutOfOrder_AppliesThemInVersionOrder()
    {
        using var dir = new TempDirectory();
        var clock = new FakeTimeProvider(T0);

        await using var store = await MirrorStore.OpenAsync(dir.File(), new MirrorStoreOptions { TimeProvider = clock, Migrations = [SeedNotes, IndexNotes, CreateNotes] });

        store.UserSchemaVersion.Should().Be(3);
        store.SchemaVersion.Should().Be(Migrator.LatestVersion);
        var recorded = await store.QueryAsync("SELECT version, name, applied_at FROM mirror_user_migrations ORDER BY version");
        recorded.Rows.Select(r => $"{r["version"]}:{r["name"]}:{r["applied_at"]}").Should().Equal(
            "1:create_agent_notes:2024-05-01T12:00:00.0000000Z",
            "2:index_agent_notes:2024-05-01T12:00:00.0000000Z",
            "3:seed_agent_notes:2024-05-01T12:00:00.0000000Z");
        (await store.QueryAsync("SELECT note FROM agent_notes")).Rows.Select(r => r["note"]).Should().Equal("hello");
        Scalar(dir.File(), "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'agent_notes_note'").Should().Be(1L);
        (await store.QueryAsync("SELECT max(version) AS v FROM mirror_schema_migrations")).Rows[0]["v"].Should().Be((long)Migrator.LatestVersion, "user versions are kept apart from the store's");
    }

    [Fact]
    public async Task OpenAsync_ReopenedWithSameMigrations_AppliesNothingNew()
    {
        using var dir = new TempDirectory();
        var options = new MirrorStoreOptions { Migrations = [CreateNotes, IndexNotes, SeedNotes] };
        await using (var first = await MirrorStore.OpenAsync(dir.File(), options))
        {
            await first.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        }

        var before = Snapshot(dir.File()) + Scalar(dir.File(), "SELECT group_concat(version || name || applied_at) FROM mirror_user_migrations");

        await using var second = await MirrorStore.OpenAsync(dir.File(), options);

        second.UserSchemaVersion.Should().Be(3);
        (await second.QueryAsync("SELECT count(*) AS n FROM agent_notes")).Rows[0]["n"].Should().Be(1L, "the seeding migration ran once");
        (Snapshot(dir.File()) + Scalar(dir.File(), "SELECT group_concat(version || name || applied_at) FROM mirror_user_migrations")).Should().Be(before);
    }

    [Fact]
    public async Task OpenAsync_ReopenedWithOneMore_AppliesOnlyTheNewOne()
    {
        using var dir = new TempDirectory();
        await using (var first = await MirrorStore.OpenAsync(dir.File(), new MirrorStoreOptions { Migrations = [CreateNotes, SeedAsTwo] }))
        {
            first.UserSchemaVersion.Should().Be(2);
        }

        await using var second = await MirrorStore.OpenAsync(dir.File(), new MirrorStoreOptions { Migrations = [CreateNotes, SeedAsTwo, new UserMigration(3, "seed_more", "INSERT INTO agent_notes (note) VALUES ('more')")] });

        second.UserSchemaVersion.Should().Be(3);
        (await second.QueryAsync("SELECT note FROM agent_notes ORDER BY id")).Rows.Select(r => r["note"]).Should().Equal("hello", "more");
    }

    [Fact]
    public async Task OpenInMemoryAsync_WithMigrations_AppliesThem()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { Migrations = [CreateNotes] });

        store.UserSchemaVersion.Should().Be(1);
        (await store.QueryAsync("SELECT count(*) AS n FROM agent_notes")).Rows[0]["n"].Should().Be(0L);
    }

    [Fact]
    public async Task OpenAsync_NoMigrations_UserSchemaVersionIsZero()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        store.UserSchemaVersion.Should().Be(0);
        (await store.QueryAsync("SELECT count(*) AS n FROM mirror_user_migrations")).Rows[0]["n"].Should().Be(0L);
    }

    [Fact]
    public async Task OpenAsync_VersionGap_ThrowsArgumentExceptionNamingIt()
    {
        using var dir = new TempDirectory();

        var act = () => MirrorStore.OpenAsync(dir.File(), new MirrorStoreOptions { Migrations = [CreateNotes, SeedNotes] });

        var thrown = await act.Should().ThrowExactlyAsync<ArgumentException>();
        thrown.Which.ParamName.Should().Be("Migrations");
        thrown.Which.Message.Should().Contain("version 3 ('seed_agent_notes') follows version 1").And.Contain("Number it 2");
        File.Exists(dir.File()).Should().BeFalse("options are checked before the file is created");
    }

    [Fact]
    public async Task OpenAsync_NotStartingAtOne_ThrowsArgumentException()
    {
        var act = () => MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { Migrations = [IndexNotes] });

        (await act.Should().ThrowExactlyAsync<ArgumentException>()).WithMessage("*version 2 ('index_agent_notes') follows nothing*Number it 1*");
    }

    [Fact]
    public async Task OpenAsync_DuplicateVersion_ThrowsArgumentExceptionNamingBoth()
    {
        var act = () => MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { Migrations = [CreateNotes, new UserMigration(1, "other_first", "SELECT 1")] });

        (await act.Should().ThrowExactlyAsync<ArgumentException>()).WithMessage("*version 1 twice*create_agent_notes*other_first*");
    }

    [Fact]
    public async Task OpenAsync_NullEntry_ThrowsArgumentException()
    {
        var act = () => MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { Migrations = [CreateNotes, null!] });

        (await act.Should().ThrowExactlyAsync<ArgumentException>()).WithMessage("*Migrations[1] is null*");
    }

    [Fact]
    public async Task OpenAsync_FailingMigration_ThrowsMirrorSchemaExceptionAndRollsItBack()
    {
        using var dir = new TempDirectory();
        var failing = new UserMigration(2, "broken_half_done", "CREATE TABLE half_done (x); INSERT INTO no_such_table VALUES (1)");

        var act = () => MirrorStore.OpenAsync(dir.File(), new MirrorStoreOptions { Migrations = [CreateNotes, failing] });

        var thrown = await act.Should().ThrowExactlyAsync<MirrorSchemaException>();
        thrown.Which.Message.Should().Contain("User migration 2 ('broken_half_done') failed").And.Contain("no such table: no_such_table").And.Contain("rolled back");
        Scalar(dir.File(), "SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'").Should().Be(0L);
        Scalar(dir.File(), "SELECT group_concat(version) FROM mirror_user_migrations").Should().Be("1");
        await using var reopened = await MirrorStore.OpenAsync(dir.File(), new MirrorStoreOptions { Migrations = [CreateNotes] });
        reopened.UserSchemaVersion.Should().Be(1);
        await reopened.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        (await reopened.QueryAsync("SELECT name FROM customers")).Rows.Single()["name"].Should().Be("Ada");
    }

    [Fact]
    public async Task OpenAsync_MigrationEndsItsTransaction_ThrowsMirrorSchemaException()
    {
        using var dir = new TempDirectory();
        var committing = new UserMigration(1, "commits_itself", "CREATE TABLE sneaky (x); COMMIT");

        var act = () => MirrorStore.OpenAsync(dir.File(), new MirrorStoreOptions { Migrations = [committing] });

        (await act.Should().ThrowAsync<MirrorSchemaException>()).WithMessage("*User migration 1 ('commits_itself')*transaction*");
        Scalar(dir.File(), "SELECT count(*) FROM mirror_user_migrations").Should().Be(0L);
    }

    [Fact]
    public async Task OpenAsync_DatabaseAheadOfRegisteredMigrations_OpensAndKeepsTheExtraObjects()
    {
        using var dir = new TempDirectory();
        await using (var newer = await MirrorStore.OpenAsync(dir.File(), new MirrorStoreOptions { Migrations = [CreateNotes, IndexNotes, SeedNotes] }))
        {
            newer.UserSchemaVersion.Should().Be(3);
        }

        await using (var older = await MirrorStore.OpenAsync(dir.File(), new MirrorStoreOptions { Migrations = [CreateNotes] }))
        {
            older.UserSchemaVersion.Should().Be(3);
            (await older.QueryAsync("SELECT count(*) AS n FROM agent_notes")).Rows[0]["n"].Should().Be(1L);
        }

        await using var tool = await MirrorStore.OpenAsync(dir.File());
        tool.UserSchemaVersion.Should().Be(3);
        Scalar(dir.File(), "SELECT count(*) FROM mirror_user_migrations").Should().Be(3L);
    }

    [Fact]
    public async Task OpenAsync_RecordedVersionRenamed_ThrowsMirrorSchemaExceptionNamingBoth()
    {
        using var dir = new TempDirectory();
        await using (await MirrorStore.OpenAsync(dir.File(), new MirrorStoreOptions { Migrations = [CreateNotes] }))
        {
        }

        var act = () => MirrorStore.OpenAsync(dir.File(), new MirrorStoreOptions { Migrations = [new UserMigration(1, "something_else", "CREATE TABLE other (x)")] });

        (await act.Should().ThrowExactlyAsync<MirrorSchemaException>()).WithMessage("*registered as 'something_else'*recorded version 1 as 'create_agent_notes'*");
        Scalar(dir.File(), "SELECT count(*) FROM sqlite_schema WHERE name = 'other'").Should().Be(0L);
    }

    [Theory]
    [InlineData(0, "n", "SELECT 1", typeof(ArgumentOutOfRangeException))]
    [InlineData(1, " ", "SELECT 1", typeof(ArgumentException))]
    [InlineData(1, "n", "", typeof(ArgumentException))]
    [InlineData(1, "n", "SELECT 1\0; DROP TABLE x", typeof(ArgumentException))]
    [InlineData(1, null, "SELECT 1", typeof(ArgumentNullException))]
    public void Constructor_InvalidArgument_Throws(int version, string? name, string sql, Type expected)
    {
        var act = () => new UserMigration(version, name!, sql);

        act.Should().Throw<ArgumentException>().Which.Should().BeOfType(expected);
    }

}
