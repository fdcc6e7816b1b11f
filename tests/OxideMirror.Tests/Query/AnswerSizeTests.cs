using System.Text;
using System.Text.Json;

namespace OxideMirror.Tests.Query;

/// <summary>
/// The byte cap bounds the answer as <see cref="QueryResult.ToJson"/> writes it (compact UTF-8): names repeated in every
/// row, quoting, escaping, separators, numbers' text, base64 and re-serialized JSON all count (docs/design.md, guarantee 4).
/// </summary>
public sealed class AnswerSizeTests
{
    private const string ThousandRows = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) ";

    /// <summary>Shapes whose written answer used to be many times what the byte cap counted, each with the cap it runs under.</summary>
    public static TheoryData<string, string, long> HostileShapes()
    {
        var data = new TheoryData<string, string, long>
        {
            { "wide alias", ThousandRows + $"SELECT NULL AS \"{new string('w', 20_000)}\" FROM c", 1024 * 1024 },
            { "wide alias of escaped characters", ThousandRows + $"SELECT 1 AS \"{new string('<', 8_000)}{new string('é', 4_000)}\" FROM c", 1024 * 1024 },
            { "many aliased columns", ThousandRows + "SELECT " + string.Join(", ", Enumerable.Range(0, 500).Select(i => $"x AS column_number_{i}")) + " FROM c", 256 * 1024 },
            { "many NULLs", ThousandRows + "SELECT " + string.Join(", ", Enumerable.Range(0, 500).Select(_ => "NULL")) + " FROM c", 256 * 1024 },
            { "quotes", ThousandRows + "SELECT printf('%.*c', 5000, '\"') AS v FROM c", 64 * 1024 },
            { "control characters", ThousandRows + "SELECT replace(hex(zeroblob(5000)), '00', char(1)) AS v FROM c", 64 * 1024 },
            { "HTML characters", ThousandRows + "SELECT printf('%.*c', 5000, '<') AS v FROM c", 64 * 1024 },
            { "non-ASCII", ThousandRows + "SELECT replace(hex(zeroblob(5000)), '00', 'é') AS v FROM c", 64 * 1024 },
            { "outside the BMP", ThousandRows + "SELECT replace(hex(zeroblob(3000)), '00', '😀') AS v FROM c", 64 * 1024 },
            { "invalid UTF-8", ThousandRows + "SELECT replace(hex(zeroblob(5000)), '00', CAST(x'ff' AS TEXT)) AS v FROM c", 64 * 1024 },
            { "nested JSON re-escaped", ThousandRows + "SELECT '[\"' || printf('%.*c', 5000, '<') || '\"]' AS v FROM c", 64 * 1024 },
            { "nested JSON with escaped quotes", ThousandRows + "SELECT '[\"' || replace(hex(zeroblob(5000)), '00', '\\\"') || '\"]' AS v FROM c", 64 * 1024 },
            { "blobs", ThousandRows + "SELECT zeroblob(5000) AS v FROM c", 64 * 1024 },
            { "long integers", ThousandRows + "SELECT " + string.Join(", ", Enumerable.Range(0, 50).Select(i => $"-9223372036854775807 - x AS i{i}")) + " FROM c", 64 * 1024 },
            { "long reals", ThousandRows + "SELECT " + string.Join(", ", Enumerable.Range(0, 50).Select(i => $"-1.2345678901234567e-300 * x AS r{i}")) + " FROM c", 64 * 1024 },
            { "infinities", ThousandRows + "SELECT " + string.Join(", ", Enumerable.Range(0, 50).Select(i => $"-1e999 AS r{i}")) + " FROM c", 64 * 1024 },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(HostileShapes))]
    public async Task ToJson_HostileShape_StaysWithinTheByteCap(string shape, string sql, long maxBytes)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var result = await store.QueryAsync(sql, null, new QueryOptions { MaxBytes = maxBytes }, CancellationToken.None);

        var written = Encoding.UTF8.GetBytes(result.ToJson());
        written.Length.Should().BeLessThanOrEqualTo((int)maxBytes, shape);
        result.Truncated.Should().BeTrue(shape);
        result.RowCount.Should().BeGreaterThan(0, shape);

        // Tight: the next row would not have fitted (row_count is counted at ten digits).
        using var document = JsonDocument.Parse(written);
        var row = Encoding.UTF8.GetByteCount(document.RootElement.GetProperty("rows")[0].GetRawText()) + 1;
        (written.Length + row + 10).Should().BeGreaterThan((int)maxBytes, shape);
    }

    [Fact]
    public async Task ToJson_NinetyFiveThousandCharacterAliasOverAThousandRows_StaysWithinTheDefaultByteCap()
    {
        // The example: counted at 17 KB, this answer was 95 MB of repeated column name.
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var result = await store.QueryAsync(ThousandRows + $"SELECT NULL AS \"{new string('w', 95_000)}\" FROM c");

        Encoding.UTF8.GetByteCount(result.ToJson()).Should().BeLessThanOrEqualTo(8 * 1024 * 1024);
        result.Truncated.Should().BeTrue();
        result.RowCount.Should().Be(87, "8 MiB holds 87 rows of a 95,000-byte name");
    }

    [Fact]
    public async Task QueryAsync_ColumnNamesAloneOverTheByteCap_ThrowsNamingTheCap()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.QueryAsync($"SELECT 1 AS \"{new string('w', 3000)}\"", null, new QueryOptions { MaxBytes = 2048 }, CancellationToken.None);

        (await act.Should().ThrowAsync<QueryException>()).Which.Message.Should()
            .Contain("column names alone take 3,").And.Contain("byte cap of 2,048 bytes").And.Contain("shorter aliases");
    }

    [Fact]
    public async Task ToJson_AnswerUnderTheCap_IsNotTruncated()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var result = await store.QueryAsync(ThousandRows + "SELECT x, 'row ' || x AS label FROM c", null, new QueryOptions { MaxBytes = 64 * 1024 }, CancellationToken.None);

        result.Truncated.Should().BeFalse();
        result.RowCount.Should().Be(1000);
        Encoding.UTF8.GetByteCount(result.ToJson()).Should().BeLessThanOrEqualTo(64 * 1024);
    }

    [Fact]
    public async Task QueryAsyncOfT_WideAliasOverManyRows_IsCutAtTheByteCapOfTheNamesAsWritten()
    {
        // Mapped rows hold the alias once, but a host that writes them as objects writes it in every row: before, 1,000
        // rows of a 20,000-character alias came back whole under a 1 MiB cap, 20 MB as JSON.
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { MaxQueryBytes = 1024 * 1024 });

        var result = await store.QueryAsync<dynamic>(ThousandRows + $"SELECT NULL AS \"{new string('w', 20_000)}\" FROM c");

        result.Truncated.Should().BeTrue();
        result.Rows.Count.Should().BeGreaterThan(0);
        JsonSerializer.SerializeToUtf8Bytes(result.Rows).Length.Should().BeLessThanOrEqualTo(1024 * 1024);
    }

    [Theory]
    [InlineData("""SELECT '{"a":"\udc00"}' AS v""")]
    [InlineData("""SELECT '{"\ud800":1}' AS v""")]
    [InlineData("""SELECT '["\ud83d\ude00","\ud83d"]' AS v""")]
    [InlineData("""SELECT json_group_array(json('{"a":"\udc00"}')) AS v""")]
    public async Task ToJson_JsonTextWithAnUnpairedSurrogateEscape_IsWrittenAsAString(string sql)
    {
        // Before, ToJson threw InvalidOperationException ("Invalid surrogate value") half way through the value.
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var result = await store.QueryAsync(sql);
        var text = (string)result.Rows[0]["v"]!;

        var json = result.ToJson();

        using var document = JsonDocument.Parse(json);
        document.RootElement.GetProperty("rows")[0].GetProperty("v").GetString().Should().Be(text);
        JsonSerializer.SerializeToUtf8Bytes(document.RootElement).Should().Equal(Encoding.UTF8.GetBytes(json), "a host's transport can write the answer again");
        Encoding.UTF8.GetByteCount(result.ToJson(indented: true)).Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task ToJson_JsonTextWithPairedSurrogateEscapes_StaysNestedJson()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var result = await store.QueryAsync("""SELECT '{"a":"\ud83d\ude00"}' AS v""");

        using var document = JsonDocument.Parse(result.ToJson());

        document.RootElement.GetProperty("rows")[0].GetProperty("v").GetProperty("a").GetString().Should().Be("😀");
    }
}
