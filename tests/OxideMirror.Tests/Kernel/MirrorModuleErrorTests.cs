namespace OxideMirror.Tests.Kernel;

public sealed class MirrorModuleErrorTests
{
    [Fact]
    public async Task Command_UnknownMethod_AnswersUnknownMethodAndKeepsServing()
    {
        await using var h = await ModuleHarness.StartAsync();

        var answer = await h.SendAsync("drop_everything");
        var next = await h.SendAsync("counts");

        answer.Kind.Should().Be("drop_everything.err");
        answer.ErrorCode.Should().Be(MirrorErrorCodes.UnknownMethod);
        answer.Payload.GetProperty("message").GetString().Should().Contain("'drop_everything'").And.Contain("capabilities");
        next.Kind.Should().Be("counts.ok");
    }

    [Fact]
    public async Task Command_PayloadNotAnObject_AnswersBadRequest()
    {
        await using var h = await ModuleHarness.StartAsync();

        var answer = await h.SendAsync(new BusCommand("mirror", "query", ModuleHarness.Json("[1,2]"), "c-1"));

        answer.Kind.Should().Be("query.err");
        answer.CorrelationId.Should().Be("c-1");
        answer.ErrorCode.Should().Be(MirrorErrorCodes.BadRequest);
        answer.Payload.GetProperty("message").GetString().Should().Contain("JSON array").And.Contain("sql");
    }

    [Fact]
    public async Task Command_NoPayloadAtAll_IsReadAsEmptyObject()
    {
        await using var h = await ModuleHarness.StartAsync();

        var counts = await h.SendAsync(new BusCommand("mirror", "counts", default, "c-2"));
        var sync = await h.SendAsync(new BusCommand("mirror", "sync", default, "c-3"));

        counts.Kind.Should().Be("counts.ok");
        sync.ErrorCode.Should().Be(MirrorErrorCodes.BadRequest);
        sync.Payload.GetProperty("message").GetString().Should().Contain("'source' is required");
    }

    [Fact]
    public async Task Counts_UnexpectedField_AnswersBadRequestAskingForEmptyObject()
    {
        await using var h = await ModuleHarness.StartAsync();

        var answer = await h.SendAsync("counts", new { resource = "pets" });

        answer.ErrorCode.Should().Be(MirrorErrorCodes.BadRequest);
        answer.Payload.GetProperty("message").GetString().Should().Contain("unknown field 'resource'").And.Contain("empty object");
    }

    [Fact]
    public async Task Query_MissingSql_AnswersBadRequestNamingTheField()
    {
        await using var h = await ModuleHarness.StartAsync();

        var answer = await h.SendAsync("query", new { parameters = new { a = 1 } });

        answer.ErrorCode.Should().Be(MirrorErrorCodes.BadRequest);
        answer.Payload.GetProperty("message").GetString().Should().Contain("'sql' is required");
    }

    [Fact]
    public async Task Query_UnknownField_AnswersBadRequestListingFields()
    {
        await using var h = await ModuleHarness.StartAsync();

        var answer = await h.SendAsync("query", new { sql = "SELECT 1", max_row = 5 });

        answer.ErrorCode.Should().Be(MirrorErrorCodes.BadRequest);
        answer.Payload.GetProperty("message").GetString().Should().Contain("unknown field 'max_row'").And.Contain("max_rows");
    }

    [Fact]
    public async Task Query_WrongFieldType_AnswersBadRequest()
    {
        await using var h = await ModuleHarness.StartAsync();

        var answer = await h.SendAsync("query", new { sql = "SELECT 1", max_rows = "ten" });
        var zero = await h.SendAsync("query", new { sql = "SELECT 1", max_rows = 0 });
        var asOf = await h.SendAsync("query", new { sql = "SELECT 1", as_of = "yesterday" });

        answer.ErrorCode.Should().Be(MirrorErrorCodes.BadRequest);
        answer.Payload.GetProperty("message").GetString().Should().Contain("'max_rows' must be a whole number");
        zero.Payload.GetProperty("message").GetString().Should().Contain("from 1 to");
        asOf.Payload.GetProperty("message").GetString().Should().Contain("'yesterday'").And.Contain("ISO 8601");
    }

    [Theory]
    [InlineData("query", """{"sql":"SELECT '\ud800'"}""", "'sql'")]
    [InlineData("sync", """{"source":"\udc00"}""", "'source'")]
    [InlineData("get_record", """{"resource":"pets","id":"a\udc00b"}""", "'id'")]
    [InlineData("query", """{"sql":"SELECT 1","as_of":"\ud800"}""", "'as_of'")]
    [InlineData("query", """{"sql":"SELECT @a","parameters":{"a":"\ud800"}}""", "'parameters'")]
    [InlineData("query", """{"sql":"SELECT 1","parameters":{"\ud800":1}}""", "'parameters'")]
    [InlineData("query", """{"sql":"SELECT 1","\ud800x":1}""", "field name")]
    public async Task Command_UnpairedSurrogateEscape_AnswersBadRequestNamingTheField(string method, string payload, string field)
    {
        await using var h = await ModuleHarness.StartAsync();

        var answer = await h.SendAsync(new BusCommand("mirror", method, ModuleHarness.Json(payload), "u-1"));
        var next = await h.SendAsync("counts");

        answer.ErrorCode.Should().Be(MirrorErrorCodes.BadRequest);
        answer.Payload.GetProperty("message").GetString().Should().Contain(field).And.Contain("unpaired UTF-16 surrogate");
        next.Kind.Should().Be("counts.ok");
    }

    [Theory]
    [InlineData("""{"sql":"SELECT name FROM pets","max_rows":1,"max_rows":1000}""", "'max_rows'")]
    [InlineData("""{"sql":"DELETE FROM pets","sql":"SELECT 1"}""", "'sql'")]
    [InlineData("""{"sql":"SELECT @a","parameters":{"a":1,"a":2}}""", "'a' in the field 'parameters'")]
    public async Task Query_DuplicateField_AnswersBadRequestNamingIt(string payload, string field)
    {
        await using var h = await ModuleHarness.StartAsync();

        var answer = await h.SendAsync(new BusCommand("mirror", "query", ModuleHarness.Json(payload), "d-1"));

        answer.ErrorCode.Should().Be(MirrorErrorCodes.BadRequest);
        answer.Payload.GetProperty("message").GetString().Should().Contain(field).And.Contain("more than once");
    }

    [Theory]
    [InlineData("""{"sql":"SELECT @a AS v","parameters":{"a":1,"A":2}}""", "'a' and 'A'")]
    [InlineData("""{"sql":"SELECT @a AS v","parameters":{"a":1,"@a":2}}""", "'a' and '@a'")]
    [InlineData("""{"sql":"SELECT @a AS v","parameters":{"$A":1,":a":2}}""", "'$A' and ':a'")]
    public async Task Query_ParametersThatBindTheSameSqlParameter_AnswersBadRequestNamingBoth(string payload, string names)
    {
        // Before, the module answered query.ok with the last value, though a parameter sent twice is refused.
        await using var h = await ModuleHarness.StartAsync();

        var answer = await h.SendAsync(new BusCommand("mirror", "query", ModuleHarness.Json(payload), "d-2"));

        answer.ErrorCode.Should().Be(MirrorErrorCodes.BadRequest, answer.Payload.ToString());
        answer.Payload.GetProperty("message").GetString().Should()
            .Contain("in the field 'parameters'").And.Contain(names).And.Contain("bind the same SQL parameter").And.Contain("Pass each parameter once");
    }

    [Fact]
    public async Task Command_UnknownMethodOfAMegabyte_AnswersWithTheNameCutInTheKind()
    {
        // Before, the answer's kind repeated the whole name: a megabyte method came back as a megabyte kind.
        await using var h = await ModuleHarness.StartAsync();
        var huge = new string('m', 1_000_000);

        var answer = await h.SendAsync(new BusCommand("mirror", huge, ModuleHarness.Json("{}"), "k-1"));

        answer.ErrorCode.Should().Be(MirrorErrorCodes.UnknownMethod);
        answer.Kind.Should().Be(new string('m', 100) + "….err");
    }

    [Theory]
    [InlineData("method")]
    [InlineData("field name")]
    [InlineData("number")]
    [InlineData("as_of")]
    [InlineData("as_of_mode")]
    [InlineData("source")]
    [InlineData("parameter name twice")]
    public async Task Command_MegabyteValueInError_IsQuotedCutTo100Characters(string where)
    {
        await using var h = await ModuleHarness.StartAsync();
        var huge = new string('7', 1_000_000);
        var command = where switch
        {
            "method" => new BusCommand("mirror", huge, ModuleHarness.Json("{}"), "h-1"),
            "field name" => new BusCommand("mirror", "query", ModuleHarness.Json($$"""{"sql":"SELECT 1","{{huge}}":1}"""), "h-1"),
            "number" => new BusCommand("mirror", "query", ModuleHarness.Json($$"""{"sql":"SELECT 1","max_rows":{{huge}}}"""), "h-1"),
            "as_of_mode" => new BusCommand("mirror", "query", ModuleHarness.Json($$"""{"sql":"SELECT 1","as_of_mode":"{{huge}}"}"""), "h-1"),
            "source" => new BusCommand("mirror", "sync", ModuleHarness.Json($$"""{"source":"{{huge}}"}"""), "h-1"),
            "parameter name twice" => new BusCommand("mirror", "query", ModuleHarness.Json($$$"""{"sql":"SELECT 1","parameters":{"{{{huge}}}":1,"@{{{huge}}}":2}}"""), "h-1"),
            _ => new BusCommand("mirror", "query", ModuleHarness.Json($$"""{"sql":"SELECT 1","{{where}}":"{{huge}}"}"""), "h-1"),
        };

        var answer = await h.SendAsync(command);

        answer.IsError.Should().BeTrue();
        var message = answer.Payload.GetProperty("message").GetString()!;
        message.Should().Contain(new string('7', 100) + "…").And.NotContain(new string('7', 101));
        message.Length.Should().BeLessThan(1000);
    }

    [Fact]
    public async Task Sync_UnknownSource_AnswersUnknownSource()
    {
        await using var h = await ModuleHarness.StartAsync();

        var answer = await h.SendAsync("sync", new { source = "petz" });

        answer.Kind.Should().Be("sync.err");
        answer.ErrorCode.Should().Be(MirrorErrorCodes.UnknownSource);
        answer.Payload.GetProperty("message").GetString().Should().Contain("'petz'").And.Contain("'pets'");
    }

    [Fact]
    public async Task Sync_SourceThrows_AnswersSyncFailed()
    {
        await using var h = await ModuleHarness.StartAsync(s => s.AddSource(new OxideMirror.Tests.Sync.DelegateSource("broken", (_, _, _) => throw new HttpRequestException("503 from upstream"))));

        var answer = await h.SendAsync("sync", new { source = "broken" });
        var next = await h.SendAsync("sync", new { source = "pets" });

        answer.ErrorCode.Should().Be(MirrorErrorCodes.SyncFailed);
        answer.Payload.GetProperty("message").GetString().Should().Contain("'broken'").And.Contain("503 from upstream");
        next.Kind.Should().Be("sync.ok");
    }

    [Fact]
    public async Task Query_Write_AnswersQueryRefused()
    {
        await using var h = await ModuleHarness.StartAsync();

        var answer = await h.SendAsync("query", new { sql = "DELETE FROM mirror_records" });

        answer.ErrorCode.Should().Be(MirrorErrorCodes.QueryRefused);
    }

    [Fact]
    public async Task Query_InvalidSql_AnswersQueryFailed()
    {
        await using var h = await ModuleHarness.StartAsync();

        var answer = await h.SendAsync("query", new { sql = "SELECT nope FROM nowhere" });

        answer.ErrorCode.Should().Be(MirrorErrorCodes.QueryFailed);
        answer.Payload.GetProperty("message").GetString().Should().Contain("nowhere");
    }

    [Fact]
    public async Task Query_RunsPastTimeLimit_AnswersQueryTimeout()
    {
        await using var h = await ModuleHarness.StartAsync();

        var answer = await h.SendAsync("query", new
        {
            sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
            timeout_ms = 50,
        });

        answer.ErrorCode.Should().Be(MirrorErrorCodes.QueryTimeout);
    }

    [Fact]
    public async Task ChangesSince_BothOrNeither_AnswersBadRequest()
    {
        await using var h = await ModuleHarness.StartAsync();

        var neither = await h.SendAsync("changes_since");
        var both = await h.SendAsync("changes_since", new { position = 0, since = "2026-01-01T00:00:00Z" });

        neither.ErrorCode.Should().Be(MirrorErrorCodes.BadRequest);
        both.ErrorCode.Should().Be(MirrorErrorCodes.BadRequest);
        both.Payload.GetProperty("message").GetString().Should().Contain("exactly one of 'position'");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task ChangesSince_BlankResource_AnswersBadRequestInTheModulesWords(string resource)
    {
        await using var h = await ModuleHarness.StartAsync();

        var answer = await h.SendAsync("changes_since", new { position = 0, resource });

        answer.ErrorCode.Should().Be(MirrorErrorCodes.BadRequest);
        answer.Payload.GetProperty("message").GetString().Should().StartWith("Bad 'changes_since' command: The field 'resource'").And.Contain("leave it out");
    }

    [Fact]
    public async Task ListRecords_PageTooLarge_AnswersBadRequest()
    {
        await using var h = await ModuleHarness.StartAsync(options: new MirrorModuleOptions { MaxListPageSize = 10 });

        var answer = await h.SendAsync("list_records", new { resource = "pets", page_size = 11 });

        answer.ErrorCode.Should().Be(MirrorErrorCodes.BadRequest);
        answer.Payload.GetProperty("message").GetString().Should().Contain("from 1 to 10");
    }

    [Fact]
    public async Task Constructor_SyncerOfAnotherStore_Throws()
    {
        await using var a = await MirrorStore.OpenInMemoryAsync();
        await using var b = await MirrorStore.OpenInMemoryAsync();

        var act = () => new MirrorModule(a, new Syncer(b));

        act.Should().Throw<ArgumentException>().WithMessage("*different store*");
    }

    [Fact]
    public async Task Constructor_BadOptions_Throws()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => new MirrorModule(store, new Syncer(store), new MirrorModuleOptions { MaxConcurrentCommands = 0 });

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*MaxConcurrentCommands*");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(25 * 24 * 3600 * 1000L)]
    public async Task Constructor_CommandTimeoutOutOfRange_Throws(long milliseconds)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => new MirrorModule(store, new Syncer(store), new MirrorModuleOptions { CommandTimeout = TimeSpan.FromMilliseconds(milliseconds) });
        var infinite = () => new MirrorModule(store, new Syncer(store), new MirrorModuleOptions { CommandTimeout = Timeout.InfiniteTimeSpan });

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*CommandTimeout must be positive and at most 24 days, or Timeout.InfiniteTimeSpan*");
        infinite.Should().NotThrow();
    }

    [Fact]
    public async Task StartAsync_NotInitialised_Throws()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await using var module = new MirrorModule(store, new Syncer(store));

        var act = () => module.StartAsync();

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*InitAsync*");
    }
}
