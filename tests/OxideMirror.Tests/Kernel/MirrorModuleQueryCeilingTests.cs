namespace OxideMirror.Tests.Kernel;

/// <summary>
/// A bus caller cannot lift the query bounds: <c>max_rows</c>, <c>max_bytes</c> and <c>timeout_ms</c> above the host's
/// ceilings (by default the store's own limits) are refused with <c>bad_request</c> naming the ceiling.
/// </summary>
public sealed class MirrorModuleQueryCeilingTests
{
    private const string Sql = "SELECT name FROM pets ORDER BY name";

    [Theory]
    [InlineData("max_rows", 1001L, "1,000 rows (MirrorModuleOptions.MaxQueryRows")]
    [InlineData("max_rows", 2147483647L, "1,000 rows (MirrorModuleOptions.MaxQueryRows")]
    [InlineData("max_bytes", 9223372036854775807L, "8,388,608 bytes (MirrorModuleOptions.MaxQueryBytes")]
    [InlineData("max_bytes", 8388609L, "8,388,608 bytes (MirrorModuleOptions.MaxQueryBytes")]
    [InlineData("timeout_ms", 3600000L, "1,000 ms (MirrorModuleOptions.MaxQueryTimeout")]
    [InlineData("timeout_ms", 1001L, "1,000 ms (MirrorModuleOptions.MaxQueryTimeout")]
    public async Task Query_LimitAboveTheDefaultCeiling_IsRefusedNamingTheStoresLimit(string field, long value, string ceiling)
    {
        // Before, the module passed any of these to the store: max_bytes = long.MaxValue with large blobs took the process past 4 GB.
        await using var h = await ModuleHarness.StartAsync();
        await h.Syncer.SyncSourceAsync("pets");

        var answer = await h.SendAsync("query", ModuleHarness.Json($$"""{"sql":"{{Sql}}","{{field}}":{{value}}}"""));

        answer.ErrorCode.Should().Be(MirrorErrorCodes.BadRequest);
        answer.Payload.GetProperty("message").GetString().Should().Contain($"'{field}'").And.Contain("above the module's ceiling of " + ceiling).And.Contain("leave the field out");
    }

    [Theory]
    [InlineData("max_rows", 1000L)]
    [InlineData("max_bytes", 8388608L)]
    [InlineData("timeout_ms", 1000L)]
    public async Task Query_LimitAtTheDefaultCeiling_IsAnswered(string field, long value)
    {
        await using var h = await ModuleHarness.StartAsync();
        await h.Syncer.SyncSourceAsync("pets");

        var answer = await h.SendAsync("query", ModuleHarness.Json($$"""{"sql":"{{Sql}}","{{field}}":{{value}}}"""));

        answer.Kind.Should().Be("query.ok");
        answer.Payload.GetProperty("row_count").GetInt32().Should().Be(3);
    }

    [Fact]
    public async Task Query_HostCeilingsBelowTheStores_RefuseAboveAndApplyWhenTheFieldIsLeftOut()
    {
        var options = new MirrorModuleOptions { MaxQueryRows = 2, MaxQueryBytes = 4096, MaxQueryTimeout = TimeSpan.FromMilliseconds(200) };
        await using var h = await ModuleHarness.StartAsync(options: options);
        await h.Syncer.SyncSourceAsync("pets");

        var rows = await h.SendAsync("query", new { sql = Sql, max_rows = 3 });
        var bytes = await h.SendAsync("query", new { sql = Sql, max_bytes = 4097 });
        var timeout = await h.SendAsync("query", new { sql = Sql, timeout_ms = 201 });
        var unset = await h.SendAsync("query", new { sql = Sql });
        var big = await h.SendAsync("query", new { sql = "SELECT printf('%.*c', 3000, 'x') AS a, printf('%.*c', 3000, 'y') AS b" });
        var endless = await h.SendAsync("query", new { sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c" });

        rows.Payload.GetProperty("message").GetString().Should().Contain("ceiling of 2 rows (MirrorModuleOptions.MaxQueryRows");
        bytes.Payload.GetProperty("message").GetString().Should().Contain("ceiling of 4,096 bytes (MirrorModuleOptions.MaxQueryBytes");
        timeout.Payload.GetProperty("message").GetString().Should().Contain("ceiling of 200 ms (MirrorModuleOptions.MaxQueryTimeout");
        unset.Kind.Should().Be("query.ok");
        unset.Payload.GetProperty("row_count").GetInt32().Should().Be(2, "a command without max_rows gets the host's ceiling, not the store's 1,000");
        unset.Payload.GetProperty("truncated").GetBoolean().Should().BeTrue();
        big.Kind.Should().Be("query.ok");
        big.Payload.GetProperty("row_count").GetInt32().Should().Be(0, "a 6 KB row is past the host's 4,096-byte ceiling");
        big.Payload.GetProperty("truncated").GetBoolean().Should().BeTrue();
        endless.ErrorCode.Should().Be(MirrorErrorCodes.QueryTimeout);
        endless.Payload.GetProperty("message").GetString().Should().Contain("time limit of 200 ms");
    }

    [Fact]
    public async Task Capabilities_ReportTheQueryCeilings()
    {
        await using var h = await ModuleHarness.StartAsync(options: new MirrorModuleOptions { MaxQueryRows = 50 });

        var answer = await h.SendAsync("capabilities");

        answer.Payload.GetProperty("max_query_rows").GetInt32().Should().Be(50);
        answer.Payload.GetProperty("max_query_bytes").GetInt64().Should().Be(8 * 1024 * 1024);
        answer.Payload.GetProperty("max_query_timeout_ms").GetInt64().Should().Be(1000);
        answer.Payload.GetProperty("query_limits_above_ceiling").GetString().Should().Be("refused");
    }

    [Theory]
    [InlineData(nameof(MirrorModuleOptions.MaxQueryRows), "MirrorModuleOptions.MaxQueryRows is 1,001; it must be from 1 to the store's MaxQueryRows option (1,000)")]
    [InlineData(nameof(MirrorModuleOptions.MaxQueryBytes), "MirrorModuleOptions.MaxQueryBytes is 9,223,372,036,854,775,807; it must be from 1,024 to the store's MaxQueryBytes option (8,388,608)")]
    [InlineData(nameof(MirrorModuleOptions.MaxQueryTimeout), "MirrorModuleOptions.MaxQueryTimeout is 3600000 ms; it must be from 1 ms to the store's QueryTimeout option (1000 ms)")]
    public async Task Constructor_CeilingAboveTheStoresLimit_Throws(string option, string message)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var options = option switch
        {
            nameof(MirrorModuleOptions.MaxQueryRows) => new MirrorModuleOptions { MaxQueryRows = 1001 },
            nameof(MirrorModuleOptions.MaxQueryBytes) => new MirrorModuleOptions { MaxQueryBytes = long.MaxValue },
            _ => new MirrorModuleOptions { MaxQueryTimeout = TimeSpan.FromHours(1) },
        };

        var act = () => new MirrorModule(store, new Syncer(store), options);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.Message.Should().Contain(message);
    }
}
