namespace OxideMirror.Contract.Tests;

/// <summary>
/// The guarantees every <see cref="MirrorReader"/> keeps, whichever store is behind it — the SQLite store's
/// (tests/OxideMirror.Tests) and the PostgreSQL store's (tests/OxideMirror.PostgreSql.Tests): bounded read-only SQL with
/// its error codes, the description of every synced resource, a record and its tombstone, its history and field
/// provenance, the changes after a position or a time, the log's position, and the capability rule (a read the store
/// lacks throws <see cref="MirrorNotSupportedException"/>, one it has works).
/// </summary>
public abstract class MirrorReaderContractTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Opens a fresh, empty store of the kind under test, whose agent queries may read its resource tables.</summary>
    protected abstract Task<ContractReader> OpenAsync();

    [WriterFact]
    public async Task QueryAsync_OverASyncedResource_AnswersItsRowsByColumn()
    {
        await using var mirror = await OpenAsync();
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme", 1), Upsert("c2", "Globex", 2), Upsert("c3", "Initech", 3)], LastWriteWins.Instance);

        var result = await mirror.Reader.QueryAsync("SELECT record_id, name FROM customers WHERE name <> @skip ORDER BY record_id", new { skip = "Globex" });

        result.Columns.Should().Equal("record_id", "name");
        result.Rows.Select(r => $"{r["record_id"]}={r["name"]}").Should().Equal("c1=Acme", "c3=Initech");
        result.Truncated.Should().BeFalse();
    }

    [WriterFact]
    public async Task QueryAsync_PastTheRowCap_IsTruncatedAtTheCap()
    {
        await using var mirror = await OpenAsync();
        await mirror.Writer.ApplyPageAsync([.. Enumerable.Range(0, 5).Select(i => Upsert($"c{i}", $"Customer {i}", i))], LastWriteWins.Instance);

        var result = await mirror.Reader.QueryAsync("SELECT record_id FROM customers ORDER BY record_id", options: new QueryOptions { MaxRows = 2 });

        result.RowCount.Should().Be(2);
        result.Truncated.Should().BeTrue();
    }

    [WriterFact]
    public async Task QueryAsync_InvalidSql_ThrowsQueryFailed_NamingTheSql()
    {
        await using var mirror = await OpenAsync();
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme", 1)], LastWriteWins.Instance);

        var act = () => mirror.Reader.QueryAsync("SELECT nme FROM no_such_table");

        var thrown = await act.Should().ThrowAsync<QueryException>();
        thrown.Which.Should().NotBeOfType<QueryNotReadOnlyException>();
        thrown.Which.Code.Should().Be(MirrorErrorCodes.QueryFailed);
        thrown.Which.Message.Should().Contain("no_such_table");
    }

    [WriterFact]
    public async Task QueryAsync_AWrite_IsRefusedWithQueryRefused_AndChangesNothing()
    {
        await using var mirror = await OpenAsync();
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme", 1)], LastWriteWins.Instance);

        var act = () => mirror.Reader.QueryAsync("DELETE FROM customers");

        (await act.Should().ThrowAsync<QueryNotReadOnlyException>()).Which.Code.Should().Be(MirrorErrorCodes.QueryRefused);
        (await mirror.Reader.GetRecordAsync("customers", "c1")).Should().NotBeNull();
    }

    [WriterFact]
    public async Task QueryAsync_EmptyOrNullSql_ThrowsArgumentException()
    {
        await using var mirror = await OpenAsync();

        await FluentActions.Awaiting(() => mirror.Reader.QueryAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => mirror.Reader.QueryAsync("  ")).Should().ThrowAsync<ArgumentException>();
    }

    [WriterFact]
    public async Task QueryAsync_AsOf_WorksOnlyWithTimeTravel()
    {
        await using var mirror = await OpenAsync();
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme", 1)], LastWriteWins.Instance);
        var options = new QueryOptions { AsOf = DateTimeOffset.UtcNow.AddDays(1) };

        var act = () => mirror.Reader.QueryAsync("SELECT count(*) AS n FROM customers", options: options);

        if (mirror.Reader.Capabilities.HasFlag(MirrorReaderCapabilities.TimeTravel))
        {
            (await act()).Rows.Should().ContainSingle();
        }
        else
        {
            (await act.Should().ThrowAsync<QueryException>()).Which.Message.Should().Contain("AsOf");
        }
    }

    [WriterFact]
    public async Task DescribeAsync_ListsEachSyncedResource_WithItsColumnsCountsAndSources()
    {
        await using var mirror = await OpenAsync();
        var empty = await mirror.Reader.DescribeAsync();
        await mirror.Writer.ApplyPageAsync(
            [Upsert("c1", "Acme", 1), Upsert("c2", "Globex", 2), Delta.Upsert("invoices", "i1", new { customer_id = "c1", total = 12.5 }, "billing").At(T0)],
            LastWriteWins.Instance);

        var description = await mirror.Reader.DescribeAsync();

        empty.Resources.Should().BeEmpty();
        description.Dialect.Should().Be(mirror.Reader.Dialect);
        description.Resources.Select(r => r.Name).Should().Equal("customers", "invoices");
        var customers = description.Resources[0];
        customers.Table.Should().Be("customers");
        customers.RowCount.Should().Be(2);
        customers.RowCountEstimated.Should().BeFalse("a small table is counted exactly");
        customers.Columns.Select(c => c.Name).Should().Contain(["record_id", "name", "_source", "_version"]);
        var name = customers.Columns.Single(c => c.Name == "name");
        name.Key.Should().Be("name");
        name.Type.Should().Contain("text");
        name.NullRate.Should().Be(0);
        name.Examples.Should().BeSubsetOf(["Acme", "Globex"]).And.NotBeEmpty();
        customers.Columns.Single(c => c.Name == "record_id").Key.Should().BeNull();
        customers.Freshness.Should().ContainSingle().Which.Source.Should().Be("crm");
        description.Resources[1].Columns.Select(c => c.Key).Should().Contain(["customer_id", "total"]);
        description.JoinKeys.Should().Contain(k => k.FromTable == "invoices" && k.FromColumn == "customer_id" && k.ToTable == "customers" && k.ToColumn == "record_id");
        description.InternalTables.Should().ContainKeys("mirror_events", "mirror_records");
        description.QueryTimeout.Should().Be(mirror.Reader.QueryTimeout);
        description.ToMarkdown().Should().Contain("## customers (2 rows)");
    }

    [WriterFact]
    public async Task DescribeAsync_AfterMoreSyncs_CountsTheNewRecords_AndListsTheNewColumns()
    {
        await using var mirror = await OpenAsync();
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme", 1), Upsert("c2", "Globex", 2)], LastWriteWins.Instance);
        var before = await mirror.Reader.DescribeAsync();

        await mirror.Writer.ApplyPageAsync(
            [Delta.Upsert("customers", "c3", new { name = "Initech", tier = "gold" }, "crm").At(T0), Delta.Delete("customers", "c1", "crm").At(T0), Upsert("c4", "Hooli", 4)],
            LastWriteWins.Instance);
        var after = await mirror.Reader.DescribeAsync();

        before.Resources.Single().RowCount.Should().Be(2);
        after.Resources.Single().RowCount.Should().Be(3, "c3 and c4 came, c1 was deleted");
        before.Resources.Single().Columns.Select(c => c.Key).Should().NotContain("tier");
        var tier = after.Resources.Single().Columns.Single(c => c.Key == "tier");
        tier.NullRate.Should().BeApproximately(2.0 / 3, 0.01);
        tier.Examples.Should().Equal("gold");
    }

    [WriterFact]
    public async Task GetPositionAsync_IsZeroWhenEmpty_AndTheLastEventsPositionAfterPages()
    {
        await using var mirror = await OpenAsync();
        var empty = await mirror.Reader.GetPositionAsync();
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme", 1), Upsert("c2", "Globex", 2)], LastWriteWins.Instance);
        var first = await mirror.Reader.GetPositionAsync();
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme 2", 3)], LastWriteWins.Instance);

        var second = await mirror.Reader.GetPositionAsync();

        empty.Should().Be(0);
        first.Should().BeGreaterThan(0);
        second.Should().BeGreaterThan(first);
        (await mirror.Reader.GetHistoryAsync("customers", "c1"))[^1].Position.Should().Be(second);
    }

    [WriterFact]
    public async Task GetRecordAndTombstone_TellLiveFromDeletedFromNeverSeen()
    {
        await using var mirror = await OpenAsync();
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme", 1), Upsert("c2", "Globex", 2)], LastWriteWins.Instance);
        await mirror.Writer.ApplyPageAsync([Delta.Delete("customers", "c2", "crm").At(T0.AddSeconds(5))], LastWriteWins.Instance);

        var live = await mirror.Reader.GetRecordAsync("customers", "c1");

        live!.Payload.GetProperty("name").GetString().Should().Be("Acme");
        live.Source.Should().Be("crm");
        live.Version.Should().Be(1);
        (await mirror.Reader.GetTombstoneAsync("customers", "c1")).Should().BeNull();
        (await mirror.Reader.GetRecordAsync("customers", "c2")).Should().BeNull();
        var tombstone = await mirror.Reader.GetTombstoneAsync("customers", "c2");
        tombstone.Should().NotBeNull();
        tombstone!.Source.Should().Be("crm");
        tombstone.Version.Should().Be(2);
        (await mirror.Reader.GetRecordAsync("customers", "nobody")).Should().BeNull();
        (await mirror.Reader.GetTombstoneAsync("customers", "nobody")).Should().BeNull();
    }

    [WriterFact]
    public async Task RecordReads_BlankOrNullIds_ThrowArgumentException()
    {
        await using var mirror = await OpenAsync();

        await FluentActions.Awaiting(() => mirror.Reader.GetRecordAsync("customers", " ")).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => mirror.Reader.GetTombstoneAsync("", "c1")).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => mirror.Reader.GetRecordAsync(null!, "c1")).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => mirror.Reader.GetHistoryAsync("customers", "")).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => mirror.Reader.ExplainAsync("customers", " ")).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => mirror.Reader.GetChangesAsync(-1)).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await FluentActions.Awaiting(() => mirror.Reader.GetChangesAsync(0, limit: 0)).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await FluentActions.Awaiting(() => mirror.Reader.GetChangesAsync(0, resource: " ")).Should().ThrowAsync<ArgumentException>();
    }

    [WriterFact]
    public async Task ListRecordsAsync_StreamsTheLiveRecordsInIdOrder_AcrossPages_AndFromAfter()
    {
        await using var mirror = await OpenAsync();
        await mirror.Writer.ApplyPageAsync([.. Enumerable.Range(1, 12).Reverse().Select(i => Upsert($"c{i:00}", $"Customer {i}", i))], LastWriteWins.Instance);
        await mirror.Writer.ApplyPageAsync([Delta.Delete("customers", "c05", "crm").At(T0.AddSeconds(30)), Delta.Upsert("orders", "o1", new { total = 3 }, "crm").At(T0)], LastWriteWins.Instance);

        var all = await ToListAsync(mirror.Reader.ListRecordsAsync("customers", pageSize: 5));
        var rest = await ToListAsync(mirror.Reader.ListRecordsAsync("customers", pageSize: 3, after: "c08"));

        all.Select(r => r.RecordId).Should().Equal("c01", "c02", "c03", "c04", "c06", "c07", "c08", "c09", "c10", "c11", "c12");
        all.Should().OnlyContain(r => r.Resource == "customers" && !r.IsDeleted);
        all[0].Payload.GetProperty("name").GetString().Should().Be("Customer 1");
        rest.Select(r => r.RecordId).Should().Equal("c09", "c10", "c11", "c12");
        (await ToListAsync(mirror.Reader.ListRecordsAsync("no_such_resource"))).Should().BeEmpty();
    }

    [WriterFact]
    public async Task ListResourcesAndRecordCounts_NameEverySeenResource_CountingLiveRecordsOnly()
    {
        await using var mirror = await OpenAsync();
        (await mirror.Reader.ListResourcesAsync()).Should().BeEmpty();
        (await mirror.Reader.RecordCountsAsync()).Should().BeEmpty();
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme", 1), Upsert("c2", "Globex", 2), Delta.Upsert("orders", "o1", new { total = 3 }, "crm").At(T0), Delta.Upsert("Zebra", "z1", new { n = 1 }, "crm").At(T0)], LastWriteWins.Instance);
        await mirror.Writer.ApplyPageAsync([Delta.Delete("customers", "c2", "crm").At(T0.AddSeconds(5)), Delta.Delete("Zebra", "z1", "crm").At(T0.AddSeconds(5))], LastWriteWins.Instance);

        (await mirror.Reader.ListResourcesAsync()).Should().Equal("Zebra", "customers", "orders");
        (await mirror.Reader.RecordCountsAsync()).Should().BeEquivalentTo(new Dictionary<string, long> { ["customers"] = 1, ["orders"] = 1, ["Zebra"] = 0 });
    }

    [WriterFact]
    public async Task ListRecordsAsync_BadArguments_ThrowBeforeAnyRead()
    {
        await using var mirror = await OpenAsync();

        FluentActions.Invoking(() => mirror.Reader.ListRecordsAsync(null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => mirror.Reader.ListRecordsAsync(" ")).Should().Throw<ArgumentException>();
        await FluentActions.Awaiting(() => ToListAsync(mirror.Reader.ListRecordsAsync("customers", pageSize: 0))).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await FluentActions.Awaiting(() => ToListAsync(mirror.Reader.ListRecordsAsync("customers", pageSize: 100_001))).Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [WriterFact]
    public async Task QueryLimits_AreTheStoresOptions()
    {
        await using var mirror = await OpenAsync();

        mirror.Reader.MaxQueryRows.Should().Be(1000);
        mirror.Reader.MaxQueryBytes.Should().Be(8 * 1024 * 1024);
        mirror.Reader.QueryTimeout.Should().BePositive();
    }

    [WriterFact]
    public async Task GetHistoryAsync_ListsEveryEventOldestFirst_WithDecisionsAndStates()
    {
        await using var mirror = await OpenAsync();
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme", 10)], LastWriteWins.Instance);
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Old news", 5)], NewestWins.Instance);
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme Corp", 20)], LastWriteWins.Instance);
        await mirror.Writer.ApplyPageAsync([Delta.Delete("customers", "c1", "crm").At(T0.AddSeconds(30))], LastWriteWins.Instance);

        var history = await mirror.Reader.GetHistoryAsync("customers", "c1");

        history.Select(h => h.Decision).Should().Equal(ApplyDecision.Inserted, ApplyDecision.Skipped, ApplyDecision.Updated, ApplyDecision.Deleted);
        history.Select(h => h.Applied).Should().Equal(true, false, true, true);
        history.Select(h => h.Position).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        history[1].IncomingPayload.GetProperty("name").GetString().Should().Be("Old news");
        history[2].Payload.GetProperty("name").GetString().Should().Be("Acme Corp");
        history[3].Exists.Should().BeFalse();
        (await mirror.Reader.GetHistoryAsync("customers", "nobody")).Should().BeEmpty();
    }

    [WriterFact]
    public async Task ExplainAsync_AfterAMergeOfTwoSources_NamesTheSourceOfEachField()
    {
        await using var mirror = await OpenAsync();
        await mirror.Writer.ApplyPageAsync([Delta.Upsert("customers", "c1", new { name = "Acme", tier = "free" }, "crm").At(T0)], MergeJson.Instance);
        await mirror.Writer.ApplyPageAsync([Delta.Upsert("customers", "c1", new { tier = "gold", plan = "annual" }, "billing").At(T0.AddSeconds(1))], MergeJson.Instance);
        var history = await mirror.Reader.GetHistoryAsync("customers", "c1");

        var explanation = await mirror.Reader.ExplainAsync("customers", "c1");

        explanation!.Version.Should().Be(2);
        explanation.Fields.ToDictionary(f => f.Field, f => f.Source).Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["name"] = "crm",
            ["tier"] = "billing",
            ["plan"] = "billing",
        });
        explanation.Fields.Single(f => f.Field == "name").Position.Should().Be(history[0].Position);
        explanation.Fields.Single(f => f.Field == "plan").Position.Should().Be(history[1].Position);
        explanation.Fields.Single(f => f.Field == "tier").Value.GetString().Should().Be("gold");
        (await mirror.Reader.ExplainAsync("customers", "nobody")).Should().BeNull();
    }

    [WriterFact]
    public async Task GetChangesAsync_SinceAPositionAndATime_ReportTheNetChangeToEachRecord()
    {
        await using var mirror = await OpenAsync();
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme", 1), Upsert("c2", "Globex", 2)], LastWriteWins.Instance);
        var start = await mirror.Reader.GetPositionAsync();
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme 2", 3), Delta.Delete("customers", "c2", "crm").At(T0.AddSeconds(4)), Upsert("c3", "Initech", 5)], LastWriteWins.Instance);

        var changes = await mirror.Reader.GetChangesAsync(start);
        var all = await mirror.Reader.GetChangesAsync(0, "customers", limit: 2);
        var sinceLongAgo = await mirror.Reader.GetChangesAsync(T0.AddYears(-10), null, CancellationToken.None);

        changes.FromPosition.Should().Be(start);
        changes.Position.Should().Be(await mirror.Reader.GetPositionAsync());
        changes.Changes.Select(c => $"{c.RecordId}:{c.Kind}").Should().BeEquivalentTo(["c1:Updated", "c2:Deleted", "c3:Inserted"]);
        all.HasMore.Should().BeTrue();
        all.Position.Should().BeLessThan(changes.Position);
        sinceLongAgo.FromPosition.Should().Be(0);
        sinceLongAgo.Changes.Select(c => c.RecordId).Should().BeEquivalentTo(["c1", "c2", "c3"]);
    }

    [WriterFact]
    public async Task OptionalReads_ThrowNotSupported_ExactlyWhenTheCapabilityIsMissing()
    {
        await using var mirror = await OpenAsync();
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme", 1)], LastWriteWins.Instance);
        var reader = mirror.Reader;

        var plan = () => reader.ExplainQueryAsync("SELECT name FROM customers");
        var search = () => reader.SearchAsync("customers", "acme");

        if (reader.Capabilities.HasFlag(MirrorReaderCapabilities.QueryPlans))
        {
            (await plan()).Steps.Should().NotBeEmpty();
        }
        else
        {
            var thrown = (await plan.Should().ThrowAsync<MirrorNotSupportedException>()).Which;
            thrown.Capability.Should().Be(MirrorReaderCapabilities.QueryPlans);
            thrown.Code.Should().Be(MirrorErrorCodes.NotSupported);
            thrown.Message.Should().Contain(reader.Dialect == QueryDialect.PostgreSql ? "PostgreSQL store" : "SQLite store").And.Contain("query plans").And.Contain("without QueryPlans").And.Contain("QueryAsync");
        }

        if (reader.Capabilities.HasFlag(MirrorReaderCapabilities.Search))
        {
            // Served, but this resource has no search index: a mirror failure that says so, not "not supported".
            var thrown = (await search.Should().ThrowAsync<MirrorException>()).Which;
            thrown.Should().NotBeOfType<MirrorNotSupportedException>();
        }
        else
        {
            var thrown = (await search.Should().ThrowAsync<MirrorNotSupportedException>()).Which;
            thrown.Capability.Should().Be(MirrorReaderCapabilities.Search);
            thrown.Message.Should().Contain("word search");
        }
    }

    [WriterFact]
    public async Task Reader_IsOneInstancePerStore()
    {
        await using var mirror = await OpenAsync();

        mirror.Reader.Should().BeSameAs(mirror.SameStoreReader());
    }

    private static async Task<List<MirroredRecord>> ToListAsync(IAsyncEnumerable<MirroredRecord> records)
    {
        var list = new List<MirroredRecord>();
        await foreach (var record in records)
        {
            list.Add(record);
        }

        return list;
    }

    private static Delta Upsert(string id, string name, int second) => Delta.Upsert("customers", id, new { name }, "crm").At(T0.AddSeconds(second));
}
