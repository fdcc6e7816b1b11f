namespace OxideMirror.PostgreSql.Tests;

/// <summary>
/// The batched write path (a page's records read in one query, its deltas decided in memory, its writes sent as
/// multi-row statements) decides and stores exactly what one delta at a time would: checked against the SQLite store,
/// which writes delta by delta, and against the same deltas sent in pages of one.
/// </summary>
[Collection(PostgresTests.Name)]
public sealed class PageBatchTests(PostgresServer server)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [PostgresFact]
    public async Task ApplyPageAsync_PageMeetingRecordsSeveralTimes_DecidesEachDeltaAsTheSqliteStoreDoes()
    {
        var pages = new[]
        {
            (Strategy: (IConflictStrategy)LastWriteWins.Instance, Deltas: new[]
            {
                Delta.Upsert("customers", "c1", new { name = "A", tier = 1 }, "crm").At(T0).WithId("e1"),
                Delta.Upsert("customers", "c1", new { name = "B", tier = 2 }, "crm").At(T0.AddMinutes(1)),
                Delta.Upsert("customers", "c1", new { name = "B", tier = 2 }, "crm").At(T0.AddMinutes(2)),
                Delta.Upsert("customers", "c1", new { name = "Old" }, "crm").At(T0.AddMinutes(-5)).WithId("e1"),
                Delta.Delete("customers", "c1", "crm").At(T0.AddMinutes(3)),
                Delta.Delete("customers", "c1", "crm").At(T0.AddMinutes(4)),
                Delta.Upsert("customers", "c2", new { name = "Two" }, "crm").At(T0),
                Delta.Upsert("customers", "c1", new { name = "C", vip = true }, "crm").At(T0.AddMinutes(5)),
                Delta.Delete("customers", "c2", "crm").At(T0.AddMinutes(1)),
                Delta.Upsert("orders", "o1", new { amount = 5 }, "crm").At(T0),
            }),
            (Strategy: new HighestConfidence(), Deltas: new[]
            {
                Delta.Upsert("customers", "c1", new { name = "Unsure" }, "crm").WithConfidence(0.2).At(T0.AddMinutes(6)),
                Delta.Upsert("customers", "c1", new { name = "Sure" }, "crm").WithConfidence(1.0).At(T0.AddMinutes(7)),
                Delta.Upsert("customers", "c1", new { name = "Less sure" }, "crm").WithConfidence(0.5).At(T0.AddMinutes(8)),
                Delta.Upsert("customers", "c2", new { name = "Back" }, "crm").WithConfidence(0.9).At(T0.AddMinutes(9)),
                Delta.Upsert("orders", "o1", new { amount = 6 }, "crm").At(T0.AddMinutes(1)).WithId("e1"),
            }),
        };

        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        var file = Path.Combine(Path.GetTempPath(), "oxidemirror-batch-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            await using var sqlite = await MirrorStore.OpenAsync(file);
            for (var p = 0; p < pages.Length; p++)
            {
                var cursor = new CursorUpdate("crm", "page-" + p);
                var expected = await sqlite.Writer.ApplyPageAsync(pages[p].Deltas, pages[p].Strategy, cursor);
                var actual = await store.Writer.ApplyPageAsync(pages[p].Deltas, pages[p].Strategy, cursor);
                actual.Results.Should().Equal(expected.Results, $"page {p} is decided delta by delta");
            }

            foreach (var (resource, id) in new[] { ("customers", "c1"), ("customers", "c2"), ("orders", "o1") })
            {
                var expected = await sqlite.GetRecordAsync(resource, id);
                var actual = await store.GetRecordAsync(resource, id);
                if (expected is null)
                {
                    actual.Should().BeNull();
                    (await store.GetTombstoneAsync(resource, id))!.Version.Should().Be((await sqlite.GetTombstoneAsync(resource, id))!.Version);
                    continue;
                }

                actual!.Version.Should().Be(expected!.Version);
                actual.Payload.GetRawText().Should().Be(expected.Payload.GetRawText());
                actual.Confidence.Should().Be(expected.Confidence);
            }

            (await Mirrors.CountAsync(cs, "mirror_events")).Should().Be(13, "every delta but the two duplicates is logged");
            var c1 = await sqlite.GetRecordAsync("customers", "c1");
            (await Mirrors.ScalarAsync(cs, "SELECT name || ':' || _version FROM oxidemirror.customers WHERE record_id = 'c1'"))
                .Should().Be(c1!.Payload.GetProperty("name").GetString() + ":" + c1.Version, "the resource row holds the record's last state");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    [PostgresFact]
    public async Task ApplyPageAsync_ColumnWidenedMidPage_LeavesTheTableAsPagesOfOneDo()
    {
        var deltas = new[]
        {
            Delta.Upsert("items", "i1", new { v = new { a = 1, b = new[] { 2, 3 } }, n = 1.50 }, "src").At(T0),
            Delta.Upsert("items", "i2", new { v = "plain", n = 2 }, "src").At(T0),
            Delta.Upsert("items", "i1", new { v = new { a = 4 }, n = 3, extra = true }, "src").At(T0.AddMinutes(1)),
            Delta.Upsert("items", "i3", new { n = "many", extra = false }, "src").At(T0),
        };

        var (batched, batchedCs) = await Mirrors.OpenAsync(server);
        await using var _ = batched;
        await batched.ApplyPageAsync(deltas, LastWriteWins.Instance, new CursorUpdate("src", "p"));
        var (single, singleCs) = await Mirrors.OpenAsync(server);
        await using var __ = single;
        foreach (var delta in deltas)
        {
            await single.ApplyAsync(delta, LastWriteWins.Instance);
        }

        const string Table = "SELECT string_agg(record_id || '|' || coalesce(v, '-') || '|' || coalesce(n, '-') || '|' || coalesce(extra::text, '-') || '|' || _version, ',' ORDER BY record_id) FROM oxidemirror.items";
        const string Columns = "SELECT string_agg(column_name || ':' || column_type, ',' ORDER BY position) FROM oxidemirror.mirror_columns WHERE resource = 'items'";
        var expected = await Mirrors.ScalarAsync(singleCs, Table);
        (await Mirrors.ScalarAsync(batchedCs, Table)).Should().Be(expected);
        (await Mirrors.ScalarAsync(batchedCs, Columns)).Should().Be(await Mirrors.ScalarAsync(singleCs, Columns)).And.Be("v:text,n:text,extra:boolean");
    }
}
