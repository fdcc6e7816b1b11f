using System.Net;
using Microsoft.AspNetCore.Http;

namespace OxideMirror.Tests.Sources.Http;

public sealed class HttpSourceTests
{
    private static HttpSource Source(LoopbackServer server, Action<HttpSourceOptions>? configure = null, params HttpResourceOptions[] resources)
    {
        var options = new HttpSourceOptions
        {
            Id = "api",
            BaseAddress = server.BaseAddress,
            RequestTimeout = Timeout.InfiniteTimeSpan,
            TimeProvider = new SteppingTimeProvider(),
            MaxRetries = 3,
        };
        foreach (var resource in resources)
        {
            options.Resources.Add(resource);
        }

        configure?.Invoke(options);
        return new HttpSource(options);
    }

    private static async Task<IReadOnlyDictionary<string, string>> NamesAsync(MirrorStore store, string resource = "items")
    {
        var names = new Dictionary<string, string>();
        await foreach (var record in store.ListRecordsAsync(resource))
        {
            names[record.RecordId] = record.Payload.GetProperty("name").GetString()!;
        }

        return names;
    }

    [Theory]
    [InlineData("next")]
    [InlineData("link")]
    [InlineData("cursor")]
    [InlineData("offset")]
    [InlineData("page")]
    public async Task SyncAsync_EachPaginator_MirrorsEveryRecordInThreeRequests(string style)
    {
        var api = new FakeItemsApi(5);
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, null, FakeItemsApi.Resource(style));

        var report = await new Syncer(store).SyncAsync(source);

        (await NamesAsync(store)).Should().BeEquivalentTo(Enumerable.Range(1, 5).ToDictionary(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture), i => "item " + i));
        server.Requests.Should().HaveCount(3, "five records at two a page are three pages, each fetched once");
        source.RequestCount.Should().Be(3);
        report.Pages.Should().Be(3);
    }

    [Fact]
    public async Task SyncAsync_TwoResources_CursorResumesEachAndSecondSyncStartsNewPass()
    {
        var api = new FakeItemsApi(3);
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, null, FakeItemsApi.Resource("cursor", "a"), FakeItemsApi.Resource("page", "b"));

        await new Syncer(store).SyncAsync(source);

        (await NamesAsync(store, "a")).Should().HaveCount(3);
        (await NamesAsync(store, "b")).Should().HaveCount(3);
        server.Requests.Should().Equal("/cursor", "/cursor?cursor=c2", "/page?page=1&per_page=2", "/page?page=2&per_page=2");
    }

    [Fact]
    public async Task SyncAsync_429WithRetryAfterSeconds_WaitsThatLongThenCompletes()
    {
        var api = new FakeItemsApi(3);
        var refused = 0;
        api.Intercept = async c =>
        {
            if (Interlocked.Increment(ref refused) == 2)
            {
                c.Response.StatusCode = 429;
                c.Response.Headers.RetryAfter = "7";
                await c.Response.WriteAsync("slow down");
                return true;
            }

            return false;
        };
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var time = new SteppingTimeProvider();
        using var source = Source(server, o => o.TimeProvider = time, FakeItemsApi.Resource("next"));

        await new Syncer(store).SyncAsync(source);

        (await NamesAsync(store)).Should().HaveCount(3);
        time.Delays.Should().Equal(TimeSpan.FromSeconds(7));
        server.Requests.Should().HaveCount(3);
    }

    [Theory]
    [InlineData("0", 500)]
    [InlineData("86400", 60_000)]
    [InlineData("date+3", 3_000)]
    [InlineData("date-100", 500)]
    public async Task SyncAsync_RetryAfterOutOfRange_IsClampedNeverAHotLoop(string retryAfter, int expectedMs)
    {
        var api = new FakeItemsApi(1);
        var time = new SteppingTimeProvider();
        var calls = 0;
        api.Intercept = async c =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                c.Response.StatusCode = 503;
                c.Response.Headers.RetryAfter = retryAfter.StartsWith("date", StringComparison.Ordinal)
                    ? time.GetUtcNow().AddSeconds(int.Parse(retryAfter[4..], System.Globalization.CultureInfo.InvariantCulture)).ToString("R", System.Globalization.CultureInfo.InvariantCulture)
                    : retryAfter;
                await c.Response.WriteAsync("busy");
                return true;
            }

            return false;
        };
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, o => o.TimeProvider = time, FakeItemsApi.Resource("page"));

        await new Syncer(store).SyncAsync(source);

        time.Delays.Should().Equal(TimeSpan.FromMilliseconds(expectedMs));
        (await NamesAsync(store)).Should().HaveCount(1);
    }

    [Fact]
    public async Task SyncAsync_TransientServerErrors_RetriesWithGrowingBackoffAndCompletes()
    {
        var api = new FakeItemsApi(3);
        var calls = 0;
        api.Intercept = c =>
        {
            var n = Interlocked.Increment(ref calls);
            if (n is 2 or 3)
            {
                c.Response.StatusCode = n == 2 ? 500 : 502;
                return Task.FromResult(true);
            }

            return Task.FromResult(false);
        };
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var time = new SteppingTimeProvider();
        using var source = Source(server, o => o.TimeProvider = time, FakeItemsApi.Resource("offset"));

        await new Syncer(store).SyncAsync(source);

        (await NamesAsync(store)).Should().HaveCount(3);
        server.Requests.Should().HaveCount(4);
        time.Delays.Should().HaveCount(2);
        time.Delays.First().Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(250)).And.BeLessThanOrEqualTo(TimeSpan.FromMilliseconds(500));
        time.Delays.Last().Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(500)).And.BeLessThanOrEqualTo(TimeSpan.FromMilliseconds(1000));
    }

    [Fact]
    public async Task SyncAsync_ServerKeepsFailing_ThrowsAfterMaxRetriesAndCommitsNothing()
    {
        var api = new FakeItemsApi(3) { Intercept = c => { c.Response.StatusCode = 500; return Task.FromResult(true); } };
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, o => o.MaxRetries = 2, FakeItemsApi.Resource("page"));

        var act = () => new Syncer(store).SyncAsync(source);

        var error = (await act.Should().ThrowAsync<HttpSourceException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        error.SourceId.Should().Be("api");
        error.Message.Should().Contain("gave up").And.Contain("after 3 attempt(s)").And.Contain("HTTP 500");
        server.Requests.Should().HaveCount(3);
        (await store.GetCursorAsync("api")).Should().BeNull();
        (await store.EventCountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task SyncAsync_ExpiredToken_SaysCredentialsWereRefusedWithoutLeakingTheToken()
    {
        var api = new FakeItemsApi(3);
        api.Intercept = c =>
        {
            if (c.Request.Headers.Authorization != "Bearer fresh-token")
            {
                c.Response.StatusCode = 401;
                return Task.FromResult(true);
            }

            return Task.FromResult(false);
        };
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var expired = Source(server, o => o.BearerToken = "expired-secret-token", FakeItemsApi.Resource("page"));

        var act = () => new Syncer(store).SyncAsync(expired);

        var error = (await act.Should().ThrowAsync<HttpSourceException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        error.Message.Should().Contain("refused the credentials").And.Contain("'api'").And.Contain("'items'").And.NotContain("expired-secret-token");
        server.Requests.Should().HaveCount(1, "a refused credential is not retried");

        using var fresh = Source(server, o => o.BearerToken = "fresh-token", FakeItemsApi.Resource("page"));
        await new Syncer(store).SyncAsync(fresh);
        (await NamesAsync(store)).Should().HaveCount(3);
    }

    [Fact]
    public async Task SyncAsync_ClientErrorWithABody_QuotesWhatTheServerSaid()
    {
        var api = new FakeItemsApi(3)
        {
            Intercept = async c =>
            {
                c.Response.StatusCode = 400;
                c.Response.ContentType = "application/json";
                await c.Response.WriteAsync("{\"error\":\n  \"per_page must be at most 100\"}");
                return true;
            },
        };
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, null, FakeItemsApi.Resource("page"));

        var act = () => new Syncer(store).SyncAsync(source);

        var error = (await act.Should().ThrowAsync<HttpSourceException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        error.Message.Should().Contain("the server said: \"{\"error\": \"per_page must be at most 100\"}\"").And.Contain("Check the resource's Path");
        server.Requests.Should().HaveCount(1, "a client error is not retried");
    }

    [Theory]
    [InlineData("{\"token\":\"c2\"}", "an object with properties [token]")]
    [InlineData("[\"c2\"]", "an array of 1 item(s)")]
    [InlineData("true", "a boolean")]
    public async Task SyncAsync_CursorTokenThatIsNotAString_FailsThePageInsteadOfEndingThePass(string token, string described)
    {
        // Before, anything but a string or number read as "no next page": the pass ended after the first page and the
        // sync reported success with the rest of the resource missing.
        var api = new FakeItemsApi(3) { Intercept = c => ServeOnePage(c, token) };
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, null, FakeItemsApi.Resource("cursor"));

        var act = () => new Syncer(store).SyncAsync(source);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should().Contain($"the cursor token at 'meta.next_cursor' is {described}, not a string");
        (await store.EventCountAsync()).Should().Be(0);
    }

    [Theory]
    [InlineData("false")]
    [InlineData("null")]
    [InlineData("\"\"")]
    public async Task SyncAsync_CursorTokenFalseNullOrEmpty_EndsThePass(string token)
    {
        var api = new FakeItemsApi(3) { Intercept = c => ServeOnePage(c, token) };
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, null, FakeItemsApi.Resource("cursor"));

        var report = await new Syncer(store).SyncAsync(source);

        report.Pages.Should().Be(1);
        (await NamesAsync(store)).Should().HaveCount(1);
    }

    private static async Task<bool> ServeOnePage(Microsoft.AspNetCore.Http.HttpContext c, string token)
    {
        c.Response.ContentType = "application/json";
        await c.Response.WriteAsync("{\"items\":[{\"id\":\"1\",\"name\":\"item 1\",\"updated_at\":\"2026-01-01T00:00:00Z\"}],\"meta\":{\"next_cursor\":" + token + "}}");
        return true;
    }

    [Fact]
    public async Task SyncAsync_ApiKeyHeader_IsSentOnEveryRequest()
    {
        var api = new FakeItemsApi(3);
        var keys = new System.Collections.Concurrent.ConcurrentBag<string?>();
        api.Intercept = c => { keys.Add(c.Request.Headers["X-Api-Key"]); return Task.FromResult(false); };
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, o => { o.ApiKeyHeader = "X-Api-Key"; o.ApiKey = "k-123"; }, FakeItemsApi.Resource("link"));

        await new Syncer(store).SyncAsync(source);

        keys.Should().HaveCount(2).And.OnlyContain(k => k == "k-123");
    }

    [Fact]
    public async Task SyncAsync_MalformedJson_ThrowsSayingSoAndCommitsNothing()
    {
        var api = new FakeItemsApi(3)
        {
            Intercept = async c =>
            {
                c.Response.ContentType = "application/json";
                await c.Response.WriteAsync("{\"data\": [1, 2,");
                return true;
            },
        };
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, null, FakeItemsApi.Resource("next"));

        var act = () => new Syncer(store).SyncAsync(source);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should().Contain("not valid JSON").And.Contain("{\"data\": [1, 2,").And.Contain("GET http://127.0.0.1");
        (await store.EventCountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task SyncAsync_RecordsPathMismatch_SaysWhatTheResponseHolds()
    {
        var api = new FakeItemsApi(3);
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var resource = FakeItemsApi.Resource("next");
        resource.RecordsPath = "data.records";
        using var source = Source(server, null, resource);

        var act = () => new Syncer(store).SyncAsync(source);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should()
            .Contain("RecordsPath 'data.records'").And.Contain("'data' is an object with properties [items] but no 'records'");
    }

    [Fact]
    public async Task SyncAsync_RecordsPathPointsAtObject_SaysItFoundAnObject()
    {
        var api = new FakeItemsApi(3);
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var resource = FakeItemsApi.Resource("next");
        resource.RecordsPath = "data";
        using var source = Source(server, null, resource);

        var act = () => new Syncer(store).SyncAsync(source);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should().Contain("expected an array of records at 'data'").And.Contain("found an object with properties [items]");
    }

    [Fact]
    public async Task SyncAsync_FullRefreshWithDeleteMissing_TombstonesRecordsGoneFromTheSecondPass()
    {
        var api = new FakeItemsApi(5);
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var resource = FakeItemsApi.Resource("offset");
        resource.DeleteMissing = true;
        using var source = Source(server, null, resource);
        var syncer = new Syncer(store);
        await syncer.SyncAsync(source);

        api.Remove(2);
        api.Remove(5);
        api.Put(3, "renamed", FakeItemsApi.Start.AddHours(1));
        var second = await syncer.SyncAsync(source);

        (await NamesAsync(store)).Should().BeEquivalentTo(new Dictionary<string, string> { ["1"] = "item 1", ["3"] = "renamed", ["4"] = "item 4" });
        (await store.GetTombstoneAsync("items", "2")).Should().NotBeNull();
        (await store.GetTombstoneAsync("items", "5")).Should().NotBeNull();
        (await store.GetTombstoneAsync("items", "1")).Should().BeNull();
        second.Pulled.Should().Be(3, "the pass listed three records");
        second.Missing.Should().Be(2, "two records of the source were gone from the pass");
        second.PerResource["items"].Deleted.Should().Be(2);
    }

    [Fact]
    public async Task PullAsync_DeleteMissingPass_LastPageReportsTheCompletedPassWithEveryListedId()
    {
        var api = new FakeItemsApi(5);
        await using var server = await LoopbackServer.StartAsync(api.Map);
        var resource = FakeItemsApi.Resource("offset");
        resource.DeleteMissing = true;
        using var source = Source(server, null, resource);

        var pages = new List<PullResult> { await source.PullAsync(null) };
        while (pages[^1].HasMore)
        {
            pages.Add(await source.PullAsync(pages[^1].NextCursor));
        }

        var fromTheMiddle = await ResumeAsync(pages[0].NextCursor);

        pages.Should().HaveCount(3);
        pages.Take(2).Should().AllSatisfy(p => p.CompletedPasses.Should().BeEmpty());
        pages[2].CompletedPasses.Should().ContainSingle().Which.Should().Match<CompletedPass>(p => p.Resource == "items");
        pages[2].CompletedPasses[0].RecordIds.Should().BeEquivalentTo("1", "2", "3", "4", "5");
        pages[2].Deltas.Should().OnlyContain(d => d.Op == DeltaOp.Upsert, "the source emits no deletes itself");
        fromTheMiddle.CompletedPasses.Should().BeEmpty("an instance that did not see the pass from its first page reports no completed pass");

        async Task<PullResult> ResumeAsync(string? cursor)
        {
            var r = FakeItemsApi.Resource("offset");
            r.DeleteMissing = true;
            using var other = Source(server, null, r);
            var page = await other.PullAsync(cursor);
            while (page.HasMore)
            {
                page = await other.PullAsync(page.NextCursor);
            }

            return page;
        }
    }

    [Fact]
    public async Task SyncAsync_DeleteMissingPassResumedByAnotherInstance_EmitsNoTombstones()
    {
        var api = new FakeItemsApi(5);
        var fail = 0;
        api.Intercept = c =>
        {
            if (Volatile.Read(ref fail) == 1 && c.Request.Query["offset"] == "2")
            {
                c.Response.StatusCode = 500;
                return Task.FromResult(true);
            }

            return Task.FromResult(false);
        };
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        HttpResourceOptions Resource()
        {
            var r = FakeItemsApi.Resource("offset");
            r.DeleteMissing = true;
            return r;
        }

        using (var first = Source(server, null, Resource()))
        {
            await new Syncer(store).SyncAsync(first);
        }

        api.Remove(1);
        Volatile.Write(ref fail, 1);
        using (var crashed = Source(server, o => o.MaxRetries = 0, Resource()))
        {
            await FluentActions.Awaiting(() => new Syncer(store).SyncAsync(crashed)).Should().ThrowAsync<HttpSourceException>();
        }

        Volatile.Write(ref fail, 0);
        using var restarted = Source(server, null, Resource());
        await new Syncer(store).SyncAsync(restarted);

        (await store.GetTombstoneAsync("items", "1")).Should().BeNull("the restarted instance did not see the first page of the pass");
        await new Syncer(store).SyncAsync(restarted);
        (await store.GetTombstoneAsync("items", "1")).Should().NotBeNull("the next complete pass sees that the record is gone");
    }

    [Fact]
    public async Task SyncAsync_IncrementalSecondPass_AsksOnlyForChangesSinceTheLargestEventTimeLessLag()
    {
        var api = new FakeItemsApi(5);
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var resource = FakeItemsApi.Resource("cursor");
        resource.SinceParameter = "updated_since";
        resource.SinceLag = TimeSpan.FromSeconds(30);
        using var source = Source(server, null, resource);
        var syncer = new Syncer(store);
        await syncer.SyncAsync(source);
        var firstPassRequests = server.Requests.Count;

        api.Put(6, "new", FakeItemsApi.Start.AddHours(2));
        await syncer.SyncAsync(source);

        firstPassRequests.Should().Be(3);
        var second = server.Requests.Skip(3).ToList();
        second.Should().Equal("/cursor?updated_since=2026-01-01T00%3A04%3A30.000Z");
        (await NamesAsync(store)).Should().HaveCount(6).And.Contain("6", "new");
        (await store.GetCursorAsync("api")).Should().Contain("\"hw\":\"2026-01-01T02:00:00+00:00\"");
    }

    [Fact]
    public async Task SyncAsync_RestartAfterFailure_ResumesFromCommittedCursorWithoutRefetchingCommittedPages()
    {
        var api = new FakeItemsApi(7);
        var failing = 1;
        api.Intercept = c =>
        {
            if (Volatile.Read(ref failing) == 1 && c.Request.Query["page"] == "3")
            {
                c.Abort();
                return Task.FromResult(true);
            }

            return Task.FromResult(false);
        };
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using (var first = Source(server, o => o.MaxRetries = 1, FakeItemsApi.Resource("next")))
        {
            var act = () => new Syncer(store).SyncAsync(first);
            (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should().Contain("after 2 attempt(s)");
        }

        (await NamesAsync(store)).Keys.Should().BeEquivalentTo(["1", "2", "3", "4"]);
        server.Requests.Should().HaveCount(4, "pages 1 and 2, then page 3 twice (a disconnect is retried once)");
        Volatile.Write(ref failing, 0);

        using var restarted = Source(server, null, FakeItemsApi.Resource("next"));
        await new Syncer(store).SyncAsync(restarted);

        server.Requests.Skip(4).Should().Equal("/next?page=3", "/next?page=4");
        (await NamesAsync(store)).Should().HaveCount(7);
    }

    [Fact]
    public async Task SyncAsync_SlowResponse_TimesOutAndRetries()
    {
        var api = new FakeItemsApi(1);
        var calls = 0;
        api.Intercept = async c =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await Task.Delay(TimeSpan.FromSeconds(30), c.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return true;
            }

            return false;
        };
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(
            server,
            o =>
            {
                o.TimeProvider = TimeProvider.System;
                o.RequestTimeout = TimeSpan.FromMilliseconds(300);
                o.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
            },
            FakeItemsApi.Resource("page"));

        await new Syncer(store).SyncAsync(source);

        server.Requests.Should().HaveCount(2);
        (await NamesAsync(store)).Should().HaveCount(1);
    }

    [Fact]
    public async Task PullAsync_ManyAtOnce_NeverExceedsMaxConcurrency()
    {
        var api = new FakeItemsApi(4);
        api.Intercept = async c =>
        {
            await Task.Delay(20);
            return false;
        };
        await using var server = await LoopbackServer.StartAsync(api.Map);
        using var source = Source(server, o => o.MaxConcurrency = 2, FakeItemsApi.Resource("page"));

        await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => source.PullAsync(null)));

        server.Requests.Should().HaveCount(12);
        server.MaxInFlight.Should().BeInRange(1, 2);
    }

    [Fact]
    public async Task SyncAsync_RequestsPerSecond_SpacesEveryRequestByTheInterval()
    {
        var api = new FakeItemsApi(7);
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var time = new SteppingTimeProvider();
        using var source = Source(server, o => { o.TimeProvider = time; o.RequestsPerSecond = 4; }, FakeItemsApi.Resource("page"));

        await new Syncer(store).SyncAsync(source);

        server.Requests.Should().HaveCount(4);
        time.Delays.Should().Equal(Enumerable.Repeat(TimeSpan.FromMilliseconds(250), 3));
    }

    [Fact]
    public async Task PullAsync_Cancelled_ThrowsOperationCanceled()
    {
        var api = new FakeItemsApi(1);
        await using var server = await LoopbackServer.StartAsync(api.Map);
        using var source = Source(server, null, FakeItemsApi.Resource("page"));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        var act = () => source.PullAsync(null, cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        server.Requests.Should().BeEmpty();
    }

    [Theory]
    [InlineData("cursor", "offset", "'c2'")]
    [InlineData("offset", "next", "'2'")]
    public async Task SyncAsync_PaginatorChangedSinceTheCursorWasStored_ThrowsSayingHowToStartOver(string before, string after, string position)
    {
        var api = new FakeItemsApi(5);
        await using var server = await LoopbackServer.StartAsync(api.Map);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using (var first = Source(server, null, FakeItemsApi.Resource(before)))
        {
            await new Syncer(store, null, new SyncerOptions { MaxPagesPerSync = 1 }).SyncAsync(first);
        }

        using var changed = Source(server, null, FakeItemsApi.Resource(after));
        var act = () => new Syncer(store).SyncAsync(changed);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should()
            .Contain(position).And.Contain("resource 'items'").And.Contain("Paginator changed").And.Contain("SetCursorAsync(\"api\", null)");
        server.Requests.Should().HaveCount(1, "nothing is requested with a position the paginator cannot read");
    }

    [Fact]
    public async Task PullAsync_ForeignCursor_ThrowsNamingTheCursor()
    {
        var api = new FakeItemsApi(1);
        await using var server = await LoopbackServer.StartAsync(api.Map);
        using var source = Source(server, null, FakeItemsApi.Resource("page"));

        var act = () => source.PullAsync("42x");

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should().Contain("'42x'").And.Contain("not an HTTP source cursor");
    }
}
