using System.Text.Json;

namespace OxideMirror.PostgreSql.Tests;

/// <summary>The resource tables' column types: chosen from the JSON values, widened by later ones, exact, and real in the catalog.</summary>
[Collection(PostgresTests.Name)]
public sealed class ColumnTypeTests(PostgresServer server)
{
    private const string Values = "SELECT string_agg(record_id || '=' || coalesce(n::text, '-'), ',' ORDER BY record_id) FROM oxidemirror.items";

    [PostgresFact]
    public async Task ApplyPageAsync_Integers_MakeABigintColumn_AndAFractionLaterWidensItToNumeric_KeepingEveryNumber()
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        await store.ApplyPageAsync([Item("i1", "5"), Item("i2", "-9223372036854775808"), Item("i3", "9007199254740993")], LastWriteWins.Instance, new CursorUpdate("src", "p1"));

        (await CatalogTypeAsync(cs, "n")).Should().Be("bigint");
        (await Mirrors.ScalarAsync(cs, "SELECT column_type FROM oxidemirror.mirror_columns WHERE resource = 'items' AND key = 'n'")).Should().Be("bigint");
        (await Mirrors.ScalarAsync(cs, Values)).Should().Be("i1=5,i2=-9223372036854775808,i3=9007199254740993", "a bigint holds 2^53 + 1 exactly, where a double would not");

        await store.ApplyPageAsync([Item("i4", "1.25")], LastWriteWins.Instance, new CursorUpdate("src", "p2"));

        (await CatalogTypeAsync(cs, "n")).Should().Be("numeric");
        (await Mirrors.ScalarAsync(cs, "SELECT column_type FROM oxidemirror.mirror_columns WHERE resource = 'items' AND key = 'n'")).Should().Be("numeric");
        (await Mirrors.ScalarAsync(cs, Values)).Should().Be("i1=5,i2=-9223372036854775808,i3=9007199254740993,i4=1.25");
        (await Mirrors.ScalarAsync(cs, "SELECT sum(n)::text FROM oxidemirror.items WHERE record_id IN ('i1', 'i4')")).Should().Be("6.25");
    }

    [PostgresTheory]
    [InlineData("9223372036854775808", "past 64 bits")]
    [InlineData("1234567890123456789012345678", "far past 64 bits")]
    [InlineData("0.1", "a fraction")]
    [InlineData("1.0", "a fraction written for an integer")]
    [InlineData("2.50", "trailing zeros")]
    [InlineData("1E+3", "an exponent")]
    public async Task ApplyAsync_NumberThatIsNotA64BitIntegerAsWritten_MakesANumericColumn_ThatReadsItBackAsTheSameNumber(string number, string because)
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        await store.ApplyAsync(Item("i1", number), LastWriteWins.Instance);

        (await CatalogTypeAsync(cs, "n")).Should().Be("numeric", because);
        var stored = (string)(await Mirrors.ScalarAsync(cs, "SELECT n::text FROM oxidemirror.items"))!;
        decimal.Parse(stored, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture)
            .Should().Be(decimal.Parse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture), because);
    }

    [PostgresFact]
    public async Task ApplyPageAsync_NumericColumn_StaysNumericForLaterIntegers()
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        await store.ApplyPageAsync([Item("i1", "0.5"), Item("i2", "7")], LastWriteWins.Instance, new CursorUpdate("src", "p1"));
        await store.ApplyPageAsync([Item("i3", "8")], LastWriteWins.Instance, new CursorUpdate("src", "p2"));

        (await CatalogTypeAsync(cs, "n")).Should().Be("numeric");
        (await Mirrors.ScalarAsync(cs, Values)).Should().Be("i1=0.5,i2=7,i3=8");
    }

    [PostgresFact]
    public async Task ApplyPageAsync_NullsFirst_AddNoColumn_AndTheFirstValueLaterTypesIt()
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        await store.ApplyPageAsync([Item("i1", "null"), Delta.Upsert("items", "i2", new { other = "x" }, "src")], LastWriteWins.Instance, new CursorUpdate("src", "p1"));

        (await CatalogTypeAsync(cs, "n")).Should().BeNull("a key seen only as null has no column yet");

        await store.ApplyPageAsync([Item("i3", "42"), Item("i4", "null")], LastWriteWins.Instance, new CursorUpdate("src", "p2"));

        (await CatalogTypeAsync(cs, "n")).Should().Be("bigint");
        (await Mirrors.ScalarAsync(cs, Values)).Should().Be("i1=-,i2=-,i3=42,i4=-", "rows written before the column was added, and nulls, read null");
    }

    [PostgresFact]
    public async Task ApplyPageAsync_ValueOfAnotherKind_WidensEachTypedColumnToText_WithEveryValueAsItsJsonText()
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        await store.ApplyPageAsync(
            [
                Delta.Upsert("things", "t1", Json("""{"count": 3, "ratio": 0.25, "flag": true, "tags": ["a"]}"""), "src"),
                Delta.Upsert("things", "t2", Json("""{"count": "many", "ratio": false, "flag": 1, "tags": 9}"""), "src"),
            ],
            LastWriteWins.Instance,
            new CursorUpdate("src", "p1"));

        foreach (var column in new[] { "count", "ratio", "flag", "tags" })
        {
            (await CatalogTypeAsync(cs, column, "things")).Should().Be("text", "{0} met a value of another kind", column);
        }

        (await Mirrors.ScalarAsync(cs, "SELECT string_agg(concat_ws('|', count, ratio, flag, tags), ',' ORDER BY record_id) FROM oxidemirror.things"))
            .Should().Be("3|0.25|true|[\"a\"],many|false|1|9");
    }

    [PostgresFact]
    public async Task ApplyPageAsync_KeyAddedInALaterPage_GetsItsOwnTypedColumn_NullForEarlierRows()
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        await store.ApplyPageAsync([Delta.Upsert("orders", "o1", new { status = "paid" }, "shop")], LastWriteWins.Instance, new CursorUpdate("shop", "p1"));
        await store.ApplyPageAsync([Delta.Upsert("orders", "o2", new { status = "open", items = 3, amount = 19.99, gift = false }, "shop")], LastWriteWins.Instance, new CursorUpdate("shop", "p2"));

        (await CatalogTypeAsync(cs, "items", "orders")).Should().Be("bigint");
        (await CatalogTypeAsync(cs, "amount", "orders")).Should().Be("numeric");
        (await CatalogTypeAsync(cs, "gift", "orders")).Should().Be("boolean");
        (await Mirrors.ScalarAsync(cs, "SELECT string_agg(concat_ws('|', record_id, status, coalesce(items::text, '-'), coalesce(amount::text, '-'), coalesce(gift::text, '-')), ',' ORDER BY record_id) FROM oxidemirror.orders"))
            .Should().Be("o1|paid|-|-|-,o2|open|3|19.99|false");
    }

    [PostgresFact]
    public async Task ApplyPageAsync_NewResource_PutsTheFirstPayloadsColumnsBeforeTheSystemColumns_AndLaterKeysAfterThem()
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        await store.ApplyPageAsync(
            [
                Delta.Upsert("orders", "o1", Json("{\"status\": \"paid\", \"note\": null, \"items\": 2, \"user\": \"u1\"}"), "shop"),
                Delta.Upsert("orders", "o2", Json("{\"status\": \"open\", \"gift\": true}"), "shop"),
                Delta.Delete("orders", "o0", "shop"),
            ],
            LastWriteWins.Instance,
            new CursorUpdate("shop", "p1"));

        (await Mirrors.ScalarAsync(cs, "SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = 'oxidemirror' AND table_name = 'orders'"))
            .Should().Be("record_id:text,status:text,items:bigint,f_user:text,_source:text,_confidence:double precision,_version:bigint,_synced_at:timestamp with time zone,_occurred_at:timestamp with time zone,gift:boolean");
        (await Mirrors.ScalarAsync(cs, "SELECT string_agg(key || '>' || column_name || ':' || column_type || '@' || position, ',' ORDER BY position) FROM oxidemirror.mirror_columns WHERE resource = 'orders'"))
            .Should().Be("status>status:text@0,items>items:bigint@1,user>f_user:text@2,gift>gift:boolean@3");
        (await Mirrors.ScalarAsync(cs, "SELECT string_agg(concat_ws('|', record_id, status, items, f_user, gift, _source), ',' ORDER BY record_id) FROM oxidemirror.orders"))
            .Should().Be("o1|paid|2|u1|shop,o2|open|t|shop");
    }

    [PostgresFact]
    public async Task QueryAsync_BigintAndNumericColumns_AnswerWithTheNumbersTheRecordsHold()
    {
        var (store, _) = await Mirrors.OpenAsync(server);
        await using var __ = store;
        await store.ApplyPageAsync([Delta.Upsert("orders", "o1", Json("""{"items": 9007199254740993, "amount": 19.99}"""), "shop")], LastWriteWins.Instance, new CursorUpdate("shop", "p1"));

        var result = await store.QueryAsync("SELECT items, amount, items + 1 AS next FROM orders");

        result.Rows[0]["items"].Should().Be(9007199254740993L);
        result.Rows[0]["amount"].Should().Be(19.99);
        result.Rows[0]["next"].Should().Be(9007199254740994L);
        (await store.GetRecordAsync("orders", "o1"))!.Payload.GetProperty("items").GetRawText().Should().Be("9007199254740993");
    }

    private static Delta Item(string id, string number) => Delta.Upsert("items", id, Json("{\"n\": " + number + "}"), "src");

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static async Task<string?> CatalogTypeAsync(string cs, string column, string table = "items") =>
        (string?)await Mirrors.ScalarAsync(cs, $"SELECT data_type FROM information_schema.columns WHERE table_schema = 'oxidemirror' AND table_name = '{table}' AND column_name = '{column}'");
}
