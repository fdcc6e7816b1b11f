using System.Text.Json;

namespace OxideMirror.Tests.Kernel;

public sealed class MirrorModuleTests
{
    [Fact]
    public async Task Sync_KnownSource_AnswersOkWithReport()
    {
        await using var h = await ModuleHarness.StartAsync();

        var answer = await h.SendAsync("sync", new { source = "pets" });

        answer.Kind.Should().Be("sync.ok");
        answer.ModuleId.Should().Be("mirror");
        answer.Payload.GetProperty("source").GetString().Should().Be("pets");
        answer.Payload.GetProperty("applied").GetInt64().Should().Be(3);
        answer.Payload.GetProperty("succeeded").GetBoolean().Should().BeTrue();
        (await h.Store.RecordCountsAsync())["pets"].Should().Be(3);
    }

    [Fact]
    public async Task SyncAll_TwoSources_ReportsEach()
    {
        await using var h = await ModuleHarness.StartAsync(s => s.AddSource(StaticSource.FromDeltas("owners", [Delta.Upsert("owners", "o1", new { name = "Ann" }, "owners")])));

        var answer = await h.SendAsync("sync_all");

        answer.Kind.Should().Be("sync_all.ok");
        var reports = answer.Payload.GetProperty("reports").EnumerateArray().ToList();
        reports.Select(r => r.GetProperty("source").GetString()).Should().Equal("owners", "pets");
        reports.Select(r => r.GetProperty("applied").GetInt64()).Should().Equal(1, 3);
        answer.Payload.GetProperty("succeeded").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Query_WithParametersAndRowCap_AnswersRowsAndTruncated()
    {
        await using var h = await ModuleHarness.StartAsync();
        await h.Syncer.SyncSourceAsync("pets");

        var answer = await h.SendAsync("query", new { sql = "SELECT name FROM pets WHERE age >= @min ORDER BY name", parameters = new { min = 2 }, max_rows = 1 });

        answer.Kind.Should().Be("query.ok");
        answer.Payload.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("name").GetString()).Should().Equal("Rex");
        answer.Payload.GetProperty("truncated").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Query_AsOfBeforeTheSync_SeesNoRecords()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        await using var h = await ModuleHarness.StartAsync(storeOptions: new MirrorStoreOptions { TimeProvider = clock });
        await h.Syncer.SyncSourceAsync("pets");

        var before = await h.SendAsync("query", new { sql = "SELECT count(*) AS n FROM pets", as_of = "2025-12-31T00:00:00Z" });
        var now = await h.SendAsync("query", new { sql = "SELECT count(*) AS n FROM pets", as_of = "2026-01-02T00:00:00Z" });

        before.Kind.Should().Be("query.ok");
        before.Payload.GetProperty("rows")[0].GetProperty("n").GetInt64().Should().Be(0);
        now.Payload.GetProperty("rows")[0].GetProperty("n").GetInt64().Should().Be(3);
    }

    [Fact]
    public async Task GetRecord_ExistingAndMissing_AnswersFoundFlag()
    {
        await using var h = await ModuleHarness.StartAsync();
        await h.Syncer.SyncSourceAsync("pets");

        var found = await h.SendAsync("get_record", new { resource = "pets", id = "2" });
        var missing = await h.SendAsync("get_record", new { resource = "pets", id = "99" });

        found.Kind.Should().Be("get_record.ok");
        found.Payload.GetProperty("found").GetBoolean().Should().BeTrue();
        found.Payload.GetProperty("record").GetProperty("payload").GetProperty("name").GetString().Should().Be("Tom");
        found.Payload.GetProperty("record").GetProperty("record_id").GetString().Should().Be("2");
        missing.Kind.Should().Be("get_record.ok");
        missing.Payload.GetProperty("found").GetBoolean().Should().BeFalse();
        missing.Payload.GetProperty("record").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task ListRecords_Paged_WalksEveryRecordOnce()
    {
        await using var h = await ModuleHarness.StartAsync();
        await h.Syncer.SyncSourceAsync("pets");

        var first = await h.SendAsync("list_records", new { resource = "pets", page_size = 2 });
        var after = first.Payload.GetProperty("next_after").GetString();
        var second = await h.SendAsync("list_records", new { resource = "pets", page_size = 2, after });

        first.Payload.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("record_id").GetString()).Should().Equal("1", "2");
        first.Payload.GetProperty("has_more").GetBoolean().Should().BeTrue();
        second.Payload.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("record_id").GetString()).Should().Equal("3");
        second.Payload.GetProperty("has_more").GetBoolean().Should().BeFalse();
        second.Payload.GetProperty("next_after").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task ListRecords_OnePerPage_WalksIdsOutsideTheBasicPlaneOnceEach()
    {
        // SQLite orders ids by UTF-8 bytes (code points): "a\uFF01" before "a😀". UTF-16 ordinal order is the reverse,
        // so paging that skipped ids by string.CompareOrdinal lost "a😀" after a page ending at "a\uFF01".
        await using var h = await ModuleHarness.StartAsync();
        string[] ids = ["a", "a\uFF01", "a😀", "b"];
        await h.Store.ApplyBatchAsync(ids.Select(id => Delta.Upsert("notes", id, new { id }, "wiki")).ToList(), LastWriteWins.Instance);

        var walked = new List<string>();
        string? after = null;
        for (var page = 0; page < 10; page++)
        {
            var answer = await h.SendAsync("list_records", new { resource = "notes", page_size = 1, after });
            walked.AddRange(answer.Payload.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("record_id").GetString()!));
            after = answer.Payload.GetProperty("next_after").GetString();
            if (after is null)
            {
                break;
            }
        }

        walked.Should().Equal("a", "a\uFF01", "a😀", "b");
    }

    [Fact]
    public async Task ResourcesAndCounts_AfterSync_ListPets()
    {
        await using var h = await ModuleHarness.StartAsync();
        await h.Syncer.SyncSourceAsync("pets");

        var resources = await h.SendAsync("resources");
        var counts = await h.SendAsync("counts");

        resources.Kind.Should().Be("resources.ok");
        resources.Payload.GetProperty("resources").EnumerateArray().Select(r => r.GetString()).Should().Equal("pets");
        counts.Kind.Should().Be("counts.ok");
        counts.Payload.GetProperty("counts").GetProperty("pets").GetInt64().Should().Be(3);
    }

    [Fact]
    public async Task Describe_AfterSync_AnswersTablesAndMarkdown()
    {
        await using var h = await ModuleHarness.StartAsync();
        await h.Syncer.SyncSourceAsync("pets");

        var answer = await h.SendAsync("describe");

        answer.Kind.Should().Be("describe.ok");
        var resource = answer.Payload.GetProperty("description").GetProperty("resources")[0];
        resource.GetProperty("name").GetString().Should().Be("pets");
        resource.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Should().Contain("species");
        answer.Payload.GetProperty("markdown").GetString().Should().Contain("pets");
    }

    [Fact]
    public async Task History_UpdatedThenDeleted_ListsEveryChangeWithNullPayloadForDelete()
    {
        await using var h = await ModuleHarness.StartAsync();
        await h.Syncer.SyncSourceAsync("pets");
        await h.Store.ApplyAsync(Delta.Upsert("pets", "1", new { name = "Rex", species = "dog", age = 4 }, "pets"), LastWriteWins.Instance);
        await h.Store.ApplyAsync(Delta.Delete("pets", "1", "pets"), LastWriteWins.Instance);

        var answer = await h.SendAsync("history", new { resource = "pets", id = "1" });

        answer.Kind.Should().Be("history.ok");
        var changes = answer.Payload.GetProperty("changes").EnumerateArray().ToList();
        changes.Should().HaveCount(3);
        changes[1].GetProperty("payload").GetProperty("age").GetInt32().Should().Be(4);
        changes[2].GetProperty("op").GetString().Should().Be("delete");
        changes[2].GetProperty("payload").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task ChangesSince_Position_SummarisesChangesAfterIt()
    {
        await using var h = await ModuleHarness.StartAsync();
        await h.Syncer.SyncSourceAsync("pets");
        var position = await h.Store.GetPositionAsync();
        await h.Store.ApplyAsync(Delta.Upsert("pets", "4", new { name = "Bo" }, "pets"), LastWriteWins.Instance);

        var answer = await h.SendAsync("changes_since", new { position });
        var all = await h.SendAsync("changes_since", new { since = "2000-01-01T00:00:00Z", resource = "pets" });

        answer.Kind.Should().Be("changes_since.ok");
        answer.Payload.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("record_id").GetString()).Should().Equal("4");
        answer.Payload.GetProperty("changes")[0].GetProperty("kind").GetString().Should().Be("inserted");
        all.Payload.GetProperty("changes").GetArrayLength().Should().Be(4);
    }

    [Fact]
    public async Task Explain_ExistingRecord_NamesFieldSources()
    {
        await using var h = await ModuleHarness.StartAsync();
        await h.Syncer.SyncSourceAsync("pets");

        var answer = await h.SendAsync("explain", new { resource = "pets", id = "3" });
        var missing = await h.SendAsync("explain", new { resource = "pets", id = "nope" });

        answer.Kind.Should().Be("explain.ok");
        answer.Payload.GetProperty("found").GetBoolean().Should().BeTrue();
        answer.Payload.GetProperty("explanation").GetProperty("fields").EnumerateArray()
            .Select(f => f.GetProperty("field").GetString()).Should().Contain(["name", "species", "age"]);
        missing.Payload.GetProperty("found").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task Capabilities_Always_ListsEveryMethodAndErrorCode()
    {
        await using var h = await ModuleHarness.StartAsync();

        var answer = await h.SendAsync("capabilities");

        answer.Kind.Should().Be("capabilities.ok");
        answer.Payload.GetProperty("methods").EnumerateArray().Select(m => m.GetProperty("name").GetString()).Should().BeEquivalentTo(
            ["sync", "sync_all", "query", "get_record", "list_records", "resources", "counts", "describe", "history", "changes_since", "explain", "capabilities"]);
        answer.Payload.GetProperty("error_codes").EnumerateArray().Select(c => c.GetString()).Should().BeEquivalentTo(
            typeof(MirrorErrorCodes).GetFields().Select(f => (string)f.GetRawConstantValue()!), "every stable code is listed");
        answer.Payload.GetProperty("command_timeout_ms").GetInt64().Should().Be(600_000);
        answer.Payload.GetProperty("sync_overlap").GetString().Should().Be("queued");
        answer.Payload.GetProperty("module").GetProperty("id").GetString().Should().Be("mirror");
    }

    [Fact]
    public async Task Command_ForAnotherModule_IsIgnored()
    {
        await using var h = await ModuleHarness.StartAsync();

        var other = await h.SendOnlyAsync("capabilities", target: "weather");
        var mine = await h.SendAsync("capabilities");

        mine.Kind.Should().Be("capabilities.ok");
        other.IsCompleted.Should().BeFalse();
        h.Events.Should().ContainSingle();
    }

    [Fact]
    public async Task ModuleId_Custom_AnswersOnlyThatId()
    {
        await using var h = await ModuleHarness.StartAsync(options: new MirrorModuleOptions { ModuleId = "crm-mirror" });

        var answer = await h.SendAsync("counts", target: "crm-mirror");

        answer.ModuleId.Should().Be("crm-mirror");
        answer.Kind.Should().Be("counts.ok");
        h.Module.Info.Id.Should().Be("crm-mirror");
    }
}
