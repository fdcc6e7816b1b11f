namespace OxideMirror.Tests.Query;

public sealed class ResourceTablesTests
{
    [Fact]
    public async Task QueryAsync_ResourceByName_HasRecordIdPayloadColumnsAndSystemColumns()
    {
        await using var store = await TwoServiceMirror.OpenAsync();

        var result = await store.QueryAsync("SELECT * FROM customers WHERE record_id = 'c2'");

        result.Columns.Should().StartWith(["record_id", "_source", "_confidence", "_version", "_synced_at", "_occurred_at"]);
        result.Columns.Should().Contain(["name", "tier", "country", "active", "address", "tags"]);
        var row = result.Rows.Should().ContainSingle().Subject;
        row["name"].Should().Be("Customer 2");
        row["active"].Should().Be(1L);
        row["_source"].Should().Be("crm");
        row["_version"].Should().Be(1L);
        row["address"].Should().Be("{\"city\":\"Berlin\",\"zip\":\"10002\"}");
    }

    [Fact]
    public async Task QueryAsync_JoinAcrossResources_ByName()
    {
        await using var store = await TwoServiceMirror.OpenAsync();

        var result = await store.QueryAsync(
            "SELECT c.name, count(*) AS n, sum(i.amount) AS total FROM invoices i JOIN customers c ON c.record_id = i.customer_id " +
            "WHERE c.tier = @tier GROUP BY c.record_id ORDER BY total DESC LIMIT 3",
            new { tier = "enterprise" });

        result.Rows.Should().HaveCount(3);
        result.Rows.Should().OnlyContain(r => (long)r["n"]! == 3);
        result.Rows[0]["total"].Should().BeAssignableTo<IConvertible>().And.Match(v => Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) > 0, "sums of JSON numbers are numbers");
    }

    [Fact]
    public async Task Apply_MoreKeysThanTheColumnLimit_MirrorsEveryKey_AndGivesColumnsToTheFirstThousand()
    {
        // Before the limit, the 1,995th column failed the batch with SQLite's "too many columns", and every later sync
        // of the source with it.
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var payload = Enumerable.Range(0, 2500).ToDictionary(i => "k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), i => i);
        var at = DateTimeOffset.UtcNow;

        var first = await store.ApplyAsync(Delta.Upsert("wide", "w1", payload, "api").At(at), LastWriteWins.Instance);
        var second = await store.ApplyAsync(Delta.Upsert("wide", "w2", new Dictionary<string, int> { ["k5"] = 5, ["new_key"] = 1 }, "api").At(at), LastWriteWins.Instance);
        var columns = await store.QueryAsync<long>("SELECT count(*) FROM pragma_table_info('wide')");
        var read = await store.QueryAsync("SELECT k0, k999 FROM wide WHERE record_id = 'w1'");
        var beyond = () => store.QueryAsync("SELECT k1000 FROM wide");
        var fromPayload = await store.QueryAsync("SELECT json_extract(payload, '$.k2499') AS v FROM mirror_records WHERE resource = 'wide' AND record_id = 'w1'");
        var record = await store.GetRecordAsync("wide", "w1");
        var markdown = (await store.DescribeAsync()).ToMarkdown();
        var asOf = await store.QueryAsync("SELECT k999 FROM wide WHERE record_id = 'w1'", null, new QueryOptions { AsOf = DateTimeOffset.UtcNow.AddMinutes(1) }, default);
        var rebuilt = await store.RebuildRecordsAsync();
        var afterRebuild = await store.QueryAsync<long>("SELECT count(*) FROM pragma_table_info('wide')");

        (first.Applied, second.Applied).Should().Be((true, true));
        columns.Rows.Should().Equal(6L + 1000);
        read.Rows[0]["k0"].Should().Be(0L);
        read.Rows[0]["k999"].Should().Be(999L);
        (await beyond.Should().ThrowAsync<QueryException>()).Which.Message.Should().Contain("no such column: k1000");
        fromPayload.Rows[0]["v"].Should().Be(2499L);
        record!.Payload.EnumerateObject().Should().HaveCount(2500);
        markdown.Should().Contain("At its limit of 1000 payload columns");
        asOf.Rows[0]["k999"].Should().Be(999L);
        rebuilt.Should().NotBeNull();
        afterRebuild.Rows.Should().Equal(6L + 1000);
    }

    [Fact]
    public async Task Apply_NewKey_AddsColumnAndRecordsSchemaChange()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("pets", "p1", new { name = "Rex" }, "shop"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("pets", "p2", new { name = "Tom", species = "cat" }, "shop"), LastWriteWins.Instance);

        var rows = await store.QueryAsync("SELECT record_id, name, species FROM pets ORDER BY record_id");
        rows.Rows.Select(r => r["species"]).Should().Equal(new object?[] { null, "cat" });
        var changes = await store.QueryAsync("SELECT change, key FROM mirror_schema_changes WHERE resource = 'pets' ORDER BY seq");
        changes.Rows.Select(r => $"{r["change"]}:{r["key"]}").Should().Equal("create_table:", "add_column:name", "add_column:species");
    }

    [Fact]
    public async Task Apply_DeleteAndUpdate_KeepTableInStepWithRecords()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("pets", "p1", new { name = "Rex", age = 3 }, "shop"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("pets", "p2", new { name = "Tom" }, "shop"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("pets", "p1", new { name = "Rex" }, "shop"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Delete("pets", "p2", "shop"), LastWriteWins.Instance);

        var rows = await store.QueryAsync("SELECT record_id, name, age, _version FROM pets");
        var row = rows.Rows.Should().ContainSingle().Subject;
        row["record_id"].Should().Be("p1");
        row["age"].Should().BeNull("the key was removed from the payload");
        row["_version"].Should().Be(2L);
    }

    [Fact]
    public async Task Apply_RolledBackBatchWithNewColumns_LeavesSchemaAndCacheConsistent()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("pets", "p1", new { name = "Rex" }, "shop"), LastWriteWins.Instance);
        var bad = new[]
        {
            Delta.Upsert("pets", "p2", new { name = "Tom", color = "grey" }, "shop"),
            Delta.Upsert("pets", "p3", new { name = "Kit" }, "shop"),
        };
        var failing = new ThrowingStrategy("p3");

        var act = () => store.ApplyBatchAsync(bad, failing);

        await act.Should().ThrowAsync<InvalidOperationException>();
        var columns = await store.QueryAsync("SELECT name FROM pragma_table_info('pets')");
        columns.Rows.Select(r => r["name"]).Should().NotContain("color");
        await store.ApplyAsync(Delta.Upsert("pets", "p4", new { name = "Max", color = "black" }, "shop"), LastWriteWins.Instance);
        var rows = await store.QueryAsync("SELECT record_id, color FROM pets ORDER BY record_id");
        rows.Rows.Select(r => r["color"]).Should().Equal(new object?[] { null, "black" });
    }

    [Theory]
    [InlineData("x\"; DROP TABLE mirror_events; --", "x_drop_table_mirror_events")]
    [InlineData("mirror_events", "r_mirror_events")]
    [InlineData("sqlite_master", "r_sqlite_master")]
    [InlineData("order", "r_order")]
    [InlineData("GitHub Issues", "github_issues")]
    [InlineData("2024-sales", "r_2024_sales")]
    [InlineData("Überweisungen", "berweisungen")]
    [InlineData("???", "r_")]
    [InlineData("json_each", "r_json_each")]
    [InlineData("JSON-Tree", "r_json_tree")]
    [InlineData("pragma_table_info", "r_pragma_table_info")]
    public async Task Apply_HostileResourceName_MapsToSafeTable(string resource, string table)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        await store.ApplyAsync(Delta.Upsert(resource, "1", new { v = 1 }, "s"), LastWriteWins.Instance);

        var mapped = await store.QueryAsync("SELECT table_name FROM mirror_resources WHERE name = @resource", new { resource });
        mapped.Rows.Should().ContainSingle().Which["table_name"].Should().Be(table);
        var rows = await store.QueryAsync($"SELECT v FROM \"{table}\"");
        rows.Rows.Should().ContainSingle().Which["v"].Should().Be(1L);
        (await store.EventCountAsync()).Should().Be(1, "mirror_events is intact");
    }

    [Fact]
    public async Task Apply_ResourceNamedLikeATableValuedFunction_LeavesTheFunctionUsable()
    {
        // A table named json_each hides SQLite's json_each(...) from every agent query: "'json_each' is not a function".
        await using var store = await MirrorStore.OpenInMemoryAsync();

        await store.ApplyAsync(Delta.Upsert("json_each", "1", new { tags = new[] { "a", "b" } }, "s"), LastWriteWins.Instance);

        var rows = await store.QueryAsync("SELECT j.value FROM r_json_each t, json_each(t.tags) j ORDER BY j.value");
        rows.Rows.Select(r => r["value"]).Should().Equal("a", "b");
    }

    [Fact]
    public async Task Apply_LongAndCollidingNames_GetDistinctTables()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var longName = new string('a', 200);

        await store.ApplyAsync(Delta.Upsert(longName, "1", new { v = 1 }, "s"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("My Pets", "1", new { v = 2 }, "s"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("my-pets", "1", new { v = 3 }, "s"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("MY_PETS", "1", new { v = 4 }, "s"), LastWriteWins.Instance);

        var mapped = await store.QueryAsync("SELECT name, table_name FROM mirror_resources ORDER BY rowid");
        mapped.Rows.Select(r => (string)r["table_name"]!).Should().Equal(new string('a', 60), "my_pets", "my_pets_2", "my_pets_3");
        (await store.QueryAsync("SELECT v FROM my_pets_3")).Rows.Single()["v"].Should().Be(4L);
    }

    [Fact]
    public async Task Apply_HostileAndCollidingKeys_MapToDistinctColumns()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var doc = System.Text.Json.JsonDocument.Parse("""{"Name":"a","name":"b","record_id":"x","_source":"y","select":1,"a\"; DROP TABLE mirror_events; --":2,"":3}""");

        await store.ApplyAsync(Delta.Upsert("things", "t1", doc.RootElement, "s"), LastWriteWins.Instance);

        var row = (await store.QueryAsync("SELECT * FROM things")).Rows.Single();
        row["record_id"].Should().Be("t1");
        row["_source"].Should().Be("s");
        row["name"].Should().Be("a");
        row["name_2"].Should().Be("b");
        row["f_record_id"].Should().Be("x");
        row["f_source"].Should().Be("y");
        row["f_select"].Should().Be(1L);
        row["a_drop_table_mirror_events"].Should().Be(2L);
        row["f_"].Should().Be(3L);
    }

    [Fact]
    public async Task CreateIndexAsync_PointLookupAndJoin_UseTheIndex()
    {
        await using var store = await TwoServiceMirror.OpenAsync();

        var name = await store.CreateIndexAsync("invoices", "customer_id");
        (await store.CreateIndexAsync("invoices", "customer_id")).Should().Be(name, "creating it again is a no-op");

        var point = await store.QueryAsync("EXPLAIN QUERY PLAN SELECT * FROM invoices WHERE customer_id = 'c3'");
        point.Rows.Select(r => (string)r["detail"]!).Should().Contain(d => d.Contains($"USING INDEX {name}", StringComparison.Ordinal));
        var join = await store.QueryAsync("EXPLAIN QUERY PLAN SELECT * FROM customers c JOIN invoices i ON i.customer_id = c.record_id");
        join.Rows.Select(r => (string)r["detail"]!).Should().Contain(d => d.Contains("INDEX", StringComparison.Ordinal) && !d.StartsWith("SCAN i", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateIndexAsync_LongColumnsWhoseIndexNamesWouldBeCutAlike_IndexesEach()
    {
        // Index names are cut to 120 characters: for a long table and two long keys that differ only at the end, the cut
        // names were the same, and the second call returned the first index instead of creating one.
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var resource = new string('t', 60);
        var (first, second) = (new string('k', 59) + "1", new string('k', 59) + "2");
        using var doc = System.Text.Json.JsonDocument.Parse($$"""{"{{first}}":1,"{{second}}":2}""");
        await store.ApplyAsync(Delta.Upsert(resource, "r1", doc.RootElement, "s"), LastWriteWins.Instance);

        var one = await store.CreateIndexAsync(resource, first);
        var two = await store.CreateIndexAsync(resource, second);

        two.Should().NotBe(one);
        (await store.CreateIndexAsync(resource, second)).Should().Be(two, "creating it again is a no-op");
        (await store.CreateIndexAsync(resource, first)).Should().Be(one);
        var plan = await store.QueryAsync($"EXPLAIN QUERY PLAN SELECT * FROM {resource} WHERE {second} = 2");
        plan.Rows.Select(r => (string)r["detail"]!).Should().Contain(d => d.Contains($"USING INDEX {two}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateIndexAsync_NameTakenByAResourceTable_CreatesTheIndexUnderAnotherName()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("ix_pets_name", "1", new { v = 1 }, "s"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("pets", "p1", new { name = "Rex" }, "s"), LastWriteWins.Instance);

        var name = await store.CreateIndexAsync("pets", "name");

        name.Should().Be("ix_pets_name_2");
        var plan = await store.QueryAsync("EXPLAIN QUERY PLAN SELECT * FROM pets WHERE name = 'Rex'");
        plan.Rows.Select(r => (string)r["detail"]!).Should().Contain(d => d.Contains("USING INDEX ix_pets_name_2", StringComparison.Ordinal));
        (await store.QueryAsync("SELECT v FROM ix_pets_name")).Rows.Single()["v"].Should().Be(1L);
    }

    [Fact]
    public async Task CreateIndexAsync_UnknownResourceOrField_NamesTheProblem()
    {
        await using var store = await TwoServiceMirror.OpenAsync();

        var unknownResource = () => store.CreateIndexAsync("nope", "x");
        var unknownField = () => store.CreateIndexAsync("invoices", "nope");

        (await unknownResource.Should().ThrowAsync<MirrorException>()).Which.Message.Should().Contain("'nope'").And.Contain("customers, invoices");
        (await unknownField.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("'nope'").And.Contain("customer_id");
        (await store.QueryAsync("SELECT count(*) AS n FROM invoices")).Rows.Single()["n"].Should().Be(120L, "the store stays usable");
    }

    [Fact]
    public async Task Apply_ScalarValues_KeepTheirTypesAndTextSurvivesEscapes()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var doc = System.Text.Json.JsonDocument.Parse("""
            {"i": 42, "r": 2.5, "big": 12345678901234567890, "t": true, "f": false, "n": null,
             "plain": "Zoë", "escaped": "a\"b\\c\u00e9\n", "obj": {"x": [1, "é"]}, "arr": []}
            """);

        await store.ApplyAsync(Delta.Upsert("things", "t1", doc.RootElement, "s"), LastWriteWins.Instance);

        var row = (await store.QueryAsync("SELECT i, typeof(i) AS ti, r, typeof(r) AS tr, big, typeof(big) AS tb, t, f, n, plain, escaped, obj, arr FROM things")).Rows.Single();
        row["i"].Should().Be(42L);
        row["ti"].Should().Be("integer");
        row["r"].Should().Be(2.5);
        row["tr"].Should().Be("real");
        row["tb"].Should().Be("real", "a number past the 64-bit range is stored as a real");
        row["t"].Should().Be(1L);
        row["f"].Should().Be(0L);
        row["n"].Should().BeNull();
        row["plain"].Should().Be("Zoë");
        row["escaped"].Should().Be("a\"b\\cé\n");
        row["obj"].Should().Be("{\"x\":[1,\"é\"]}");
        row["arr"].Should().Be("[]");
    }

    private sealed class ThrowingStrategy(string failOn) : IConflictStrategy
    {
        public string Label => "throwing";

        public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming) =>
            incoming.RecordId == failOn ? throw new InvalidOperationException("boom") : ConflictResolution.Apply;
    }
}
