using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Query;

/// <summary>docs/design.md, guarantee 3: whatever SQL an agent sends, QueryAsync cannot change the database or touch the file system.</summary>
public sealed class ReadOnlyQueryTests
{
    [Theory]
    [InlineData("WITH x AS (SELECT 1) DELETE FROM mirror_records")]
    [InlineData("DELETE FROM mirror_events")]
    [InlineData("PRAGMA journal_mode=DELETE")]
    [InlineData("PRAGMA journal_mode")]
    [InlineData("PRAGMA query_only = 0")]
    [InlineData("PRAGMA writable_schema = ON")]
    [InlineData("PRAGMA wal_checkpoint(TRUNCATE)")]
    [InlineData("INSERT INTO mirror_cursors (source, resource, cursor, updated_at) VALUES ('evil', '*', 'x', 'now') RETURNING *")]
    [InlineData("UPDATE mirror_records SET version = 99")]
    [InlineData("UPDATE mirror_records SET version = 99 RETURNING version")]
    [InlineData("DROP TABLE mirror_events")]
    [InlineData("CREATE TABLE evil (x)")]
    [InlineData("CREATE TEMP TABLE mirror_records (x)")]
    [InlineData("CREATE TEMP VIEW evil AS SELECT 1")]
    [InlineData("ALTER TABLE mirror_records ADD COLUMN evil TEXT")]
    [InlineData("SELECT load_extension('x')")]
    [InlineData("SELECT fts3_tokenizer('simple')")]
    [InlineData("BEGIN")]
    [InlineData("BEGIN IMMEDIATE")]
    [InlineData("COMMIT")]
    [InlineData("SAVEPOINT s")]
    [InlineData("ANALYZE")]
    [InlineData("REINDEX")]
    [InlineData("VACUUM")]
    [InlineData("DETACH DATABASE main")]
    [InlineData("SELECT 1; DELETE FROM mirror_records")]
    [InlineData("SELECT 1; SELECT 2")]
    [InlineData("SELECT 1; garbage that is not sql")]
    [InlineData("SELECT count(*) FROM mirror_records; UPDATE mirror_records SET payload = NULL")]
    public async Task QueryAsync_NotReadOnly_IsRefusedAndChangesNothing(string sql)
    {
        using var dir = new TempDirectory();
        await using var store = await SeededStoreAsync(dir);
        var before = Snapshot(store.Path!);

        var act = () => store.QueryAsync(sql);

        (await act.Should().ThrowExactlyAsync<QueryNotReadOnlyException>()).Which.Message.Should().NotBeNullOrWhiteSpace();
        Snapshot(store.Path!).Should().Be(before);
        await ShouldStillAnswerAsync(store);
    }

    [Theory]
    [InlineData("SELECT load_extension('/tmp/evil.so')", "load_extension")]
    [InlineData("SELECT name FROM mirror_resources WHERE fts3_tokenizer('simple') IS NOT NULL", "fts3_tokenizer")]
    public async Task QueryAsync_DisallowedFunction_IsRefusedNamingIt(string sql, string function)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.QueryAsync(sql);

        (await act.Should().ThrowExactlyAsync<QueryNotReadOnlyException>()).Which.Message.Should().Contain($"function {function}() is not allowed");
    }

    [Fact]
    public async Task QueryAsync_AttachDatabase_IsRefusedAndCreatesNoFile()
    {
        using var dir = new TempDirectory();
        await using var store = await SeededStoreAsync(dir);
        var before = Snapshot(store.Path!);
        var target = dir.File("attached.db");

        var act = () => store.QueryAsync($"ATTACH DATABASE '{target}' AS x");

        await act.Should().ThrowExactlyAsync<QueryNotReadOnlyException>();
        File.Exists(target).Should().BeFalse();
        Snapshot(store.Path!).Should().Be(before);
        await ShouldStillAnswerAsync(store);
    }

    [Fact]
    public async Task QueryAsync_AttachInSecondStatement_IsRefusedAndCreatesNoFile()
    {
        using var dir = new TempDirectory();
        await using var store = await SeededStoreAsync(dir);
        var target = dir.File("attached.db");

        var act = () => store.QueryAsync($"SELECT 1; ATTACH DATABASE '{target}' AS x");

        await act.Should().ThrowExactlyAsync<QueryNotReadOnlyException>();
        File.Exists(target).Should().BeFalse();
    }

    [Theory]
    [InlineData("VACUUM INTO '{0}'")]
    [InlineData("SELECT 1; VACUUM INTO '{0}'")]
    public async Task QueryAsync_VacuumInto_IsRefusedAndCreatesNoFile(string template)
    {
        using var dir = new TempDirectory();
        await using var store = await SeededStoreAsync(dir);
        var before = Snapshot(store.Path!);
        var target = dir.File("copy.db");

        var act = () => store.QueryAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, target));

        await act.Should().ThrowExactlyAsync<QueryNotReadOnlyException>();
        File.Exists(target).Should().BeFalse();
        Directory.GetFiles(dir.Path).Should().NotContain(f => Path.GetFileName(f).StartsWith("copy", StringComparison.Ordinal));
        Snapshot(store.Path!).Should().Be(before);
    }

    [Fact]
    public async Task QueryAsync_InMemoryStore_RefusesWrites()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);

        await FluentActions.Awaiting(() => store.QueryAsync("SELECT 1; DELETE FROM mirror_records")).Should().ThrowExactlyAsync<QueryNotReadOnlyException>();
        await FluentActions.Awaiting(() => store.QueryAsync("DELETE FROM mirror_records")).Should().ThrowExactlyAsync<QueryNotReadOnlyException>();

        (await store.GetRecordAsync("customers", "c1")).Should().NotBeNull();
        (await store.EventCountAsync()).Should().Be(1);
    }

    [Theory]
    [InlineData("SELECT ';' AS x", ";")]
    [InlineData("SELECT 'a;b' AS x;", "a;b")]
    [InlineData("SELECT 1 AS x;", 1L)]
    [InlineData("SELECT 1 AS x ; ;  \n\t", 1L)]
    [InlineData("SELECT 1 AS x -- trailing comment", 1L)]
    [InlineData("SELECT 1 AS x; -- trailing comment", 1L)]
    [InlineData("SELECT 1 AS x /* trailing; comment */", 1L)]
    [InlineData("SELECT 1 AS x; /* trailing; DELETE FROM mirror_records; */", 1L)]
    [InlineData("  \n  WITH c AS (SELECT 1 AS x) SELECT x FROM c", 1L)]
    public async Task QueryAsync_OneStatementWithHarmlessTail_Runs(string sql, object expected)
    {
        using var dir = new TempDirectory();
        await using var store = await SeededStoreAsync(dir);

        var result = await store.QueryAsync(sql);

        result.Rows.Should().ContainSingle().Which["x"].Should().Be(expected);
    }

    [Fact]
    public async Task QueryAsync_SchemaPragma_IsAllowed()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var result = await store.QueryAsync("PRAGMA table_info(mirror_records)");

        result.Rows.Select(r => r["name"]).Should().Contain(["resource", "record_id", "payload", "version"]);
    }

    [Theory]
    [InlineData("SELECT 1\0; DELETE FROM mirror_records")]
    [InlineData("\0")]
    public async Task QueryAsync_SqlWithNulCharacter_ThrowsArgumentException(string sql)
    {
        using var dir = new TempDirectory();
        await using var store = await SeededStoreAsync(dir);
        var before = Snapshot(store.Path!);

        var act = () => store.QueryAsync(sql);

        (await act.Should().ThrowExactlyAsync<ArgumentException>()).Which.ParamName.Should().Be("sql");
        Snapshot(store.Path!).Should().Be(before);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task QueryAsync_EmptySql_ThrowsArgumentException(string sql)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        await FluentActions.Awaiting(() => store.QueryAsync(sql)).Should().ThrowAsync<ArgumentException>();
    }

    private static async Task<MirrorStore> SeededStoreAsync(TempDirectory dir)
    {
        var store = await MirrorStore.OpenAsync(dir.File());
        await store.ApplyBatchAsync(
            [Customer("c1", "Ada"), Customer("c2", "Grace"), Delta.Upsert("orders", "o1", new { total = 3 }, "shop")],
            LastWriteWins.Instance,
            new CursorUpdate("crm", "page-1"));
        return store;
    }

    private static async Task ShouldStillAnswerAsync(MirrorStore store)
    {
        var result = await store.QueryAsync("SELECT count(*) AS n FROM mirror_records WHERE deleted_at IS NULL");
        result.Rows[0]["n"].Should().Be(3L);
    }
}
