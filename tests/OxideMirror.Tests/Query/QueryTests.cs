using System.Text.Json;
using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Query;

/// <summary>The agent query path: typed results, parameters and limits (docs/design.md, guarantee 4).</summary>
public sealed class QueryTests
{
    private const string Endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c";

    [Fact]
    public async Task QueryAsync_RecordAtTheDeepestAcceptedNesting_ToJsonNestsItWithinWhatDefaultReadersTake()
    {
        var deepest = await DeepJson.DeepestAcceptedAsync();
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("docs", "deep", DeepJson.Element(deepest), "docs"), LastWriteWins.Instance);

        var result = await store.QueryAsync("SELECT a, json_object('a', json(a)) AS payload FROM docs");
        var text = result.ToJson();

        var reread = () => JsonDocument.Parse(text).Dispose();
        reread.Should().NotThrow("an agent reads the answer with a default JsonDocument");
        using var json = JsonDocument.Parse(text);
        var row = json.RootElement.GetProperty("rows")[0];
        row.GetProperty("a").GetRawText().Should().Be(DeepJson.Text(deepest - 1));
        row.GetProperty("payload").GetRawText().Should().Be(DeepJson.Text(deepest));
    }

    [Fact]
    public async Task ToJson_JsonTextNestedDeeperThanAnAnswerCarries_IsWrittenAsAStringDefaultReadersTake()
    {
        // Before, ToJson nested JSON text up to 64 levels deep inside its own three, and a default reader refused the answer.
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var deep = DeepJson.Text(62);

        var result = await store.QueryAsync("SELECT @t AS v", new { t = deep });
        var text = result.ToJson();

        var reread = () => JsonDocument.Parse(text).Dispose();
        reread.Should().NotThrow("an agent reads the answer with a default JsonDocument");
        using var json = JsonDocument.Parse(text);
        json.RootElement.GetProperty("rows")[0].GetProperty("v").GetString().Should().Be(deep);
    }

    [Fact]
    public async Task ToJson_Freshness_IsWrittenInUtcWithZAsTheAgentToolsWriteIt()
    {
        var at = new DateTimeOffset(2026, 11, 3, 9, 0, 0, TimeSpan.Zero);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(at) });
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Ada" }, "crm"), LastWriteWins.Instance);

        var text = (await store.QueryAsync("SELECT name FROM customers")).ToJson();

        text.Should().Contain("\"last_synced_at\":\"2026-11-03T09:00:00Z\"").And.NotContain("\\u002B");
    }

    [Fact]
    public async Task QueryAsync_Record_ReturnsJsonTypedRows()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(
            Delta.Upsert("customers", "c1", Json("""{"name":"Ada","age":36,"score":9.5,"nick":null}"""), "crm"),
            LastWriteWins.Instance);

        var result = await store.QueryAsync(
            "SELECT record_id, json_extract(payload, '$.name') AS name, json_extract(payload, '$.age') AS age, " +
            "json_extract(payload, '$.score') AS score, json_extract(payload, '$.nick') AS nick, version, x'0102ff' AS bytes FROM mirror_records");

        result.Columns.Should().Equal("record_id", "name", "age", "score", "nick", "version", "bytes");
        result.Truncated.Should().BeFalse();
        var row = result.Rows.Should().ContainSingle().Subject;
        row["age"].Should().BeOfType<long>().Which.Should().Be(36);
        row["score"].Should().BeOfType<double>().Which.Should().Be(9.5);
        row["nick"].Should().BeNull();
        row["bytes"].Should().BeEquivalentTo(new byte[] { 1, 2, 255 });

        using var json = JsonDocument.Parse(result.ToJson());
        var root = json.RootElement;
        root.GetProperty("columns").EnumerateArray().Select(c => c.GetString()).Should().Equal(result.Columns);
        root.GetProperty("row_count").GetInt32().Should().Be(1);
        root.GetProperty("truncated").ValueKind.Should().Be(JsonValueKind.False);
        var first = root.GetProperty("rows")[0];
        first.GetProperty("record_id").GetString().Should().Be("c1");
        first.GetProperty("name").GetString().Should().Be("Ada");
        first.GetProperty("age").ValueKind.Should().Be(JsonValueKind.Number);
        first.GetProperty("age").GetInt64().Should().Be(36);
        first.GetProperty("score").ValueKind.Should().Be(JsonValueKind.Number);
        first.GetProperty("score").GetDouble().Should().Be(9.5);
        first.GetProperty("nick").ValueKind.Should().Be(JsonValueKind.Null);
        first.GetProperty("version").GetInt64().Should().Be(1);
        first.GetProperty("bytes").GetString().Should().Be(Convert.ToBase64String(new byte[] { 1, 2, 255 }));
    }

    [Fact]
    public async Task QueryAsync_DuplicateColumnNames_AreMadeUnique()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var result = await store.QueryAsync("SELECT 1 AS a, 2 AS a, 3 AS a");

        result.Columns.Should().Equal("a", "a_2", "a_3");
        result.Rows[0]["a_3"].Should().Be(3L);
    }

    [Fact]
    public async Task QueryAsync_ParametersFromAnonymousObject_AreBound()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyBatchAsync([Customer("c1", "Ada"), Customer("c2", "Grace"), Customer("c3", "Edsger")], LastWriteWins.Instance);

        var result = await store.QueryAsync(
            "SELECT record_id FROM mirror_records WHERE json_extract(payload, '$.name') = @name OR record_id = @id ORDER BY record_id",
            new { name = "Grace", id = "c3" });

        result.Rows.Select(r => r["record_id"]).Should().Equal("c2", "c3");
    }

    [Fact]
    public async Task QueryAsync_ParametersFromDictionary_AreBound()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var parameters = new Dictionary<string, object?> { ["text"] = "hi", ["@number"] = 41, ["nothing"] = null, ["flag"] = true };

        var result = await store.QueryAsync("SELECT @text AS t, @number + 1 AS n, @nothing IS NULL AS is_null, @flag AS f", parameters);

        var row = result.Rows.Should().ContainSingle().Subject;
        row["t"].Should().Be("hi");
        row["n"].Should().Be(42L);
        row["is_null"].Should().Be(1L);
        row["f"].Should().Be(1L);
    }

    [Fact]
    public async Task QueryAsync_MissingParameter_ThrowsQueryExceptionNamingIt()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.QueryAsync("SELECT @present AS p, @absent AS a", new { present = 1 });

        (await act.Should().ThrowAsync<QueryException>())
            .Where(e => e.GetType() == typeof(QueryException))
            .WithMessage("*@absent*");
    }

    [Fact]
    public async Task QueryAsync_ParameterThatCannotBeBound_ThrowsArgumentExceptionNamingItAndTheFix()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var list = () => store.QueryAsync("SELECT @ids AS x", new { ids = new List<int> { 1, 2 } });
        var huge = () => store.QueryAsync("SELECT @n AS x", new { n = ulong.MaxValue });
        var fits = await store.QueryAsync("SELECT @n AS x", new { n = (ulong)long.MaxValue });

        (await list.Should().ThrowAsync<ArgumentException>()).WithMessage("*'ids' has type List`1, which cannot be bound. Pass a string, number*");
        (await huge.Should().ThrowAsync<ArgumentException>()).WithMessage("*'n' is 18446744073709551615, larger than SQLite's largest integer (9223372036854775807)*");
        fits.Rows[0]["x"].Should().Be(long.MaxValue);
    }

    [Fact]
    public async Task QueryAsyncOfT_ParameterThatCannotBeBound_ThrowsLikeQueryAsync()
    {
        // Before, the typed path handed the value to Dapper, and ulong.MaxValue was bound as -1.
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var huge = () => store.QueryAsync<long>("SELECT @n AS x", new { n = ulong.MaxValue });
        var list = () => store.QueryAsync<long>("SELECT @ids AS x", new { ids = new List<int> { 1, 2 } });
        var fits = await store.QueryAsync<long>("SELECT @n AS x", new { n = (ulong)long.MaxValue });

        (await huge.Should().ThrowAsync<ArgumentException>()).WithMessage("*'n' is 18446744073709551615, larger than SQLite's largest integer (9223372036854775807)*");
        (await list.Should().ThrowAsync<ArgumentException>()).WithMessage("*'ids' has type List`1, which cannot be bound*");
        fits.Rows.Should().Equal(long.MaxValue);
    }

    [Fact]
    public async Task QueryAsyncOfT_ParameterSpelledInAnotherCaseOrWithAPrefix_BindsLikeQueryAsync()
    {
        // Before, the typed path failed ("Must add values for the following parameters: @tier") where QueryAsync bound it.
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var parameters = new Dictionary<string, object?> { ["Tier"] = "gold", ["$n"] = 2 };

        var untyped = await store.QueryAsync("SELECT @tier AS tier, :N AS n, $n AS m", parameters);
        var typed = await store.QueryAsync<TierRow>("SELECT @tier AS tier, :N AS n, $n AS m", parameters);

        untyped.Rows[0].Values.Should().Equal("gold", 2L, 2L);
        typed.Rows.Should().Equal(new TierRow("gold", 2, 2));
    }

    public static TheoryData<object> SameParameterTwice => new()
    {
        new Dictionary<string, object?> { ["a"] = 1, ["A"] = 2 },
        new Dictionary<string, object?> { ["a"] = 1, ["@a"] = 2 },
        new Dictionary<string, object?> { [":a"] = 1, ["$A"] = 2 },
        new { a = 1, A = 2 },
    };

    [Theory]
    [MemberData(nameof(SameParameterTwice))]
    public async Task QueryAsync_TwoParametersThatBindTheSameSqlParameter_ThrowsQueryExceptionNamingBoth(object parameters)
    {
        // Before, the last one won in silence.
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var names = Names(parameters);

        var untyped = () => store.QueryAsync("SELECT @a AS v", parameters);
        var typed = () => store.QueryAsync<long>("SELECT @a AS v", parameters);

        (await untyped.Should().ThrowExactlyAsync<QueryException>())
            .WithMessage($"The query parameters '{names[0]}' and '{names[1]}' bind the same SQL parameter*Pass each parameter once, under one name.");
        (await typed.Should().ThrowExactlyAsync<QueryException>())
            .WithMessage($"The query parameters '{names[0]}' and '{names[1]}' bind the same SQL parameter*");
        (await store.QueryAsync("SELECT @a AS v", new { a = 1 })).Rows[0]["v"].Should().Be(1L, "the store stays usable");

        static string[] Names(object parameters) => parameters is Dictionary<string, object?> d ? [.. d.Keys] : ["a", "A"];
    }

    [Fact]
    public async Task QueryAsyncOfT_CharFromLongerText_ThrowsQueryExceptionNamingTheColumnAndTheFix_AndTheStoreStaysUsable()
    {
        // Before, Dapper's ArgumentException ("A single-character was expected") reached the caller.
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { MaxReaders = 1 });

        var act = () => store.QueryAsync<char>("SELECT 'abc' AS letter");

        var thrown = await act.Should().ThrowExactlyAsync<QueryException>();
        thrown.Which.Message.Should().Contain("mapped to Char").And.Contain("'letter'").And.Contain("a char takes a one-character text").And.Contain("QueryAsync(sql)");
        (await store.QueryAsync<char>("SELECT 'a'")).Rows.Should().Equal('a');
    }

    [Theory]
    [InlineData("SELECT 'abc' AS n")]
    [InlineData("SELECT 99999999999 AS n")]
    public async Task QueryAsyncOfT_ValueThatDoesNotConvert_ThrowsQueryExceptionNamingTheColumn(string sql)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { MaxReaders = 1 });

        var scalar = () => store.QueryAsync<int>(sql);
        var row = () => store.QueryAsync<IntRow>(sql);

        (await scalar.Should().ThrowExactlyAsync<QueryException>()).Which.Message.Should().Contain("mapped to Int32").And.Contain("'n'");
        (await row.Should().ThrowExactlyAsync<QueryException>()).Which.Message.Should().Contain("mapped to IntRow").And.Contain("'n'");
        (await store.QueryAsync<int>("SELECT 7")).Rows.Should().Equal(7);
    }

    public sealed record TierRow(string Tier, long N, long M);

    public sealed class IntRow
    {
        public int N { get; set; }
    }

    [Fact]
    public async Task QueryAsync_MoreRowsThanMaxRows_IsTruncatedToExactlyMaxRows()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var result = await store.QueryAsync(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 100) SELECT x FROM c",
            null,
            new QueryOptions { MaxRows = 10 },
            CancellationToken.None);

        result.Truncated.Should().BeTrue();
        result.RowCount.Should().Be(10);
        result.Rows.Select(r => r["x"]).Should().Equal(Enumerable.Range(1, 10).Select(x => (object)(long)x));
        using var json = JsonDocument.Parse(result.ToJson());
        json.RootElement.GetProperty("truncated").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task QueryAsync_ExactlyMaxRows_IsNotTruncated()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var result = await store.QueryAsync(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 10) SELECT x FROM c",
            null,
            new QueryOptions { MaxRows = 10 },
            CancellationToken.None);

        result.Truncated.Should().BeFalse();
        result.RowCount.Should().Be(10);
    }

    [Fact]
    public async Task QueryAsync_StoreMaxQueryRows_AppliesWithoutQueryOptions()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { MaxQueryRows = 3 });

        var result = await store.QueryAsync("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 100) SELECT x FROM c");

        result.Truncated.Should().BeTrue();
        result.RowCount.Should().Be(3);
    }

    [Fact]
    public async Task QueryAsync_MoreBytesThanMaxBytes_IsTruncatedWithinCap()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var result = await store.QueryAsync(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 100) SELECT x, hex(zeroblob(100)) AS text FROM c",
            null,
            new QueryOptions { MaxBytes = 2048 },
            CancellationToken.None);

        result.Truncated.Should().BeTrue();
        result.RowCount.Should().BeInRange(1, 99);
        result.Rows.Sum(r => ((string)r["text"]!).Length).Should().BeLessThanOrEqualTo(2048);
        result.Rows.Should().OnlyContain(r => ((string)r["text"]!).Length == 200);
    }

    [Fact]
    public async Task QueryAsync_RunsPastTimeout_ThrowsQueryTimeoutException()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.QueryAsync(Endless, null, new QueryOptions { Timeout = TimeSpan.FromMilliseconds(200) }, CancellationToken.None);

        (await act.Should().ThrowExactlyAsync<QueryTimeoutException>()).Which.Timeout.Should().Be(TimeSpan.FromMilliseconds(200));
        (await store.QueryAsync("SELECT 7 AS x")).Rows[0]["x"].Should().Be(7L);
    }

    [Fact]
    public async Task QueryAsync_HugeBlob_ThrowsQueryExceptionNotOutOfMemory()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.QueryAsync("SELECT randomblob(1000000000) AS b");

        (await act.Should().ThrowAsync<QueryException>())
            .Where(e => e.GetType() == typeof(QueryException))
            .WithMessage("*larger than 8,388,608 bytes, the cap for this query (the most any one value may hold)*Select fewer columns or smaller values*");
        (await store.QueryAsync("SELECT 7 AS x")).Rows[0]["x"].Should().Be(7L);
    }

    [Fact]
    public async Task QueryAsync_CancelledMidQuery_ThrowsOperationCanceled()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.QueryAsync("SELECT 1 AS warm");
        using var cancellation = new CancellationTokenSource();

        // The endless query only stops if the token interrupts it inside SQLite; the long time limit would give a
        // QueryTimeoutException instead, failing the test.
        cancellation.CancelAfter(TimeSpan.FromMilliseconds(250));
        var act = () => store.QueryAsync(Endless, null, new QueryOptions { Timeout = TimeSpan.FromSeconds(60) }, cancellation.Token);

        (await act.Should().ThrowAsync<OperationCanceledException>()).Which.CancellationToken.Should().Be(cancellation.Token);
        (await store.QueryAsync("SELECT 7 AS x")).Rows[0]["x"].Should().Be(7L);
    }

    [Fact]
    public async Task QueryAsync_TokenCancelledBefore_ThrowsOperationCanceled()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.QueryAsync("SELECT 1", null, cancellationToken: new CancellationToken(canceled: true));

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Theory]
    [InlineData(";")]
    [InlineData("-- only a comment")]
    [InlineData("/* only a comment */ ;")]
    public async Task QueryAsync_NoStatement_ThrowsQueryException(string sql)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.QueryAsync(sql);

        (await act.Should().ThrowAsync<QueryException>()).Which.Message.Should().Contain("empty");
    }

    [Fact]
    public async Task QueryAsync_InvalidSql_ThrowsQueryExceptionQuotingSqlite()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.QueryAsync("SELECT * FROM no_such_table");

        (await act.Should().ThrowAsync<QueryException>())
            .Where(e => e.GetType() == typeof(QueryException))
            .WithMessage("*no such table: no_such_table*");
    }

    [Theory]
    [InlineData(0, 10, 4096)]
    [InlineData(-1, 10, 4096)]
    [InlineData(100, 0, 4096)]
    [InlineData(100, 10, 1000)]
    public async Task QueryAsync_OptionOutOfRange_ThrowsArgumentOutOfRange(int timeoutMs, int maxRows, long maxBytes)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var options = new QueryOptions { Timeout = TimeSpan.FromMilliseconds(timeoutMs), MaxRows = maxRows, MaxBytes = maxBytes };

        var act = () => store.QueryAsync("SELECT 1", null, options, CancellationToken.None);

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task QueryAsyncOfT_RunsPastOptionsTimeout_ThrowsQueryTimeoutExceptionAtThatLimit()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { QueryTimeout = TimeSpan.FromSeconds(30) });

        var act = () => store.QueryAsync<long>(Endless, null, new QueryOptions { Timeout = TimeSpan.FromMilliseconds(200) });

        (await act.Should().ThrowExactlyAsync<QueryTimeoutException>()).Which.Timeout.Should().Be(TimeSpan.FromMilliseconds(200));
        (await store.QueryAsync<long>("SELECT 7")).Rows.Should().Equal(7L);
    }

    [Fact]
    public async Task QueryAsyncOfT_MoreRowsThanOptionsMaxRows_IsTruncatedToExactlyMaxRows()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        const string Hundred = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 100) SELECT x FROM c";

        var ten = await store.QueryAsync<long>(Hundred, null, new QueryOptions { MaxRows = 10 });
        var exactly = await store.QueryAsync<long>(Hundred, null, new QueryOptions { MaxRows = 100 });

        ten.Truncated.Should().BeTrue();
        ten.Should().Equal(Enumerable.Range(1, 10).Select(x => (long)x));
        exactly.Truncated.Should().BeFalse();
        exactly.Count.Should().Be(100);
    }

    [Fact]
    public async Task QueryAsyncOfT_OptionsMaxBytes_CutsTheRowsAtThatCap()
    {
        // Each row written as an object repeats the 1,000-character column name: about 1 KB a row, 100 KB in all.
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var sql = $"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 100) SELECT x AS \"{new string('n', 1000)}\" FROM c";

        var capped = await store.QueryAsync<long>(sql, null, new QueryOptions { MaxBytes = 10_000 });
        var storeCap = await store.QueryAsync<long>(sql);
        var unbounded = await store.QueryAsync<long>(sql, null, new QueryOptions { MaxBytes = long.MaxValue });

        capped.Truncated.Should().BeTrue();
        capped.Count.Should().BeInRange(1, 9, "ten rows' names alone take more than 10,000 bytes");
        capped.Should().Equal(Enumerable.Range(1, capped.Count).Select(x => (long)x));
        storeCap.Truncated.Should().BeFalse();
        storeCap.Count.Should().Be(100);
        unbounded.Truncated.Should().BeFalse("a cap near long.MaxValue must not overflow into a negative allowance");
        unbounded.Count.Should().Be(100);
    }

    [Theory]
    [InlineData(0, 10, 4096)]
    [InlineData(100, 0, 4096)]
    [InlineData(100, 10, 1000)]
    public async Task QueryAsyncOfT_OptionOutOfRange_ThrowsArgumentOutOfRange(int timeoutMs, int maxRows, long maxBytes)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var options = new QueryOptions { Timeout = TimeSpan.FromMilliseconds(timeoutMs), MaxRows = maxRows, MaxBytes = maxBytes };

        var act = () => store.QueryAsync<long>("SELECT 1", null, options);

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>();
    }
}
