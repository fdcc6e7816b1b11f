namespace OxideMirror.Contract.Tests;

/// <summary>
/// The guarantees of the log's reads — changes since a position or a time, a record's history, watch — whichever store
/// is behind them, run against the SQLite and the PostgreSQL store (tests/Contract, compiled into both test projects).
/// </summary>
public abstract class MirrorLogContractTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Opens a fresh, empty store of the kind under test, on <paramref name="clock"/> when given.</summary>
    protected abstract Task<ContractLog> OpenAsync(TimeProvider? clock = null);

    [WriterFact]
    public async Task GetChangesAsync_SincePosition_ReportsEachRecordsNetChange_InOrderOfItsLastChange()
    {
        await using var log = await OpenAsync();
        await log.Writer.ApplyPageAsync([Upsert("c1", "Acme", 1), Upsert("c2", "Globex", 2), Upsert("c3", "Initech", 3)], LastWriteWins.Instance);
        var start = await log.GetPositionAsync();
        await log.Writer.ApplyPageAsync(
            [Upsert("c1", "Acme 2", 4), Delete("c2", 5), Upsert("c4", "Hooli", 6), Upsert("c5", "Brief", 7), Delete("c5", 8), Upsert("c1", "Acme 3", 9)],
            LastWriteWins.Instance);

        var changes = await log.GetChangesAsync(start);

        changes.FromPosition.Should().Be(start);
        changes.Position.Should().Be(await log.GetPositionAsync());
        changes.HasMore.Should().BeFalse();
        changes.Changes.Select(c => $"{c.RecordId}:{c.Kind}:{c.ExistedAtStart}:{c.ChangeCount}:{c.Version}")
            .Should().Equal("c2:Deleted:True:1:2", "c4:Inserted:False:1:1", "c5:Deleted:False:2:2", "c1:Updated:True:2:3");
        changes.Changes[^1].Payload.GetProperty("name").GetString().Should().Be("Acme 3");
        changes.Changes[^1].LastPosition.Should().Be(changes.Position);
        changes.Counts.Should().ContainKey("customers").WhoseValue.Should().Be(new ResourceChangeCounts(1, 1, 2));
        var again = await log.GetChangesAsync(changes.Position);
        again.Changes.Should().BeEmpty();
        again.Position.Should().Be(changes.Position);
    }

    [WriterFact]
    public async Task GetChangesAsync_WithALimit_PagesThroughTheBacklog_AndEndsInTheOnePageAnswer()
    {
        await using var log = await OpenAsync();
        for (var i = 0; i < 7; i++)
        {
            await log.Writer.ApplyPageAsync([Upsert($"c{i}", $"Customer {i}", i)], LastWriteWins.Instance);
        }

        await log.Writer.ApplyPageAsync([Upsert("c1", "One", 10), Upsert("c3", "Three", 11), Delete("c5", 12), Upsert("c1", "Uno", 13)], LastWriteWins.Instance);
        var whole = await log.GetChangesAsync(0);

        var pages = new List<ChangeSet>();
        var position = 0L;
        do
        {
            pages.Add(await log.GetChangesAsync(position, limit: 3));
            pages[^1].FromPosition.Should().Be(position);
            pages[^1].Position.Should().BeGreaterThan(position);
            position = pages[^1].Position;
        }
        while (pages[^1].HasMore);

        pages.Should().HaveCount(4, "11 applied events in pages of 3");
        pages.Sum(p => p.Changes.Sum(c => c.ChangeCount)).Should().Be(11);
        position.Should().Be(whole.Position);
        var folded = new Dictionary<string, RecordChangeSummary>();
        foreach (var change in pages.SelectMany(p => p.Changes))
        {
            folded[change.RecordId] = change;
        }

        folded.Values.OrderBy(c => c.LastPosition).Select(c => $"{c.RecordId}:{c.Version}:{c.Payload.ValueKind}")
            .Should().Equal(whole.Changes.Select(c => $"{c.RecordId}:{c.Version}:{c.Payload.ValueKind}"));
        whole.Changes.Select(c => c.Kind).Should().Equal(ChangeKind.Inserted, ChangeKind.Inserted, ChangeKind.Inserted, ChangeKind.Inserted, ChangeKind.Inserted, ChangeKind.Deleted, ChangeKind.Inserted);
    }

    [WriterFact]
    public async Task GetChangesAsync_ForOneResource_ReportsOnlyIt_AndEndsAtTheHead()
    {
        await using var log = await OpenAsync();
        await log.Writer.ApplyPageAsync([Upsert("c1", "Acme", 1), Delta.Upsert("orders", "o1", new { total = 5 }, "crm").At(T0), Upsert("c2", "Globex", 2)], LastWriteWins.Instance);
        await log.Writer.ApplyPageAsync([Delta.Upsert("orders", "o1", new { total = 7 }, "crm").At(T0.AddMinutes(1)), Upsert("c1", "Acme 2", 3)], LastWriteWins.Instance);

        var orders = await log.GetChangesAsync(0, "orders");

        orders.Changes.Should().ContainSingle().Which.Should().Match<RecordChangeSummary>(c => c.RecordId == "o1" && c.Kind == ChangeKind.Inserted && c.ChangeCount == 2 && c.Version == 2);
        orders.Counts.Keys.Should().Equal("orders");
        orders.Position.Should().Be(await log.GetPositionAsync());
        (await log.GetChangesAsync(0, "nothing")).Changes.Should().BeEmpty();
    }

    [WriterFact]
    public async Task GetChangesAsync_SinceATime_ReportsWhatWasAppliedAfterIt()
    {
        var clock = new ManualClock(T0);
        await using var log = await OpenAsync(clock);
        await log.Writer.ApplyPageAsync([Upsert("c1", "Acme", 1), Upsert("c2", "Globex", 2)], LastWriteWins.Instance);
        clock.Now = T0.AddMinutes(1);
        await log.Writer.ApplyPageAsync([Upsert("c2", "Globex 2", 3), Upsert("c3", "Initech", 4)], LastWriteWins.Instance);
        clock.Now = T0.AddMinutes(2);
        await log.Writer.ApplyPageAsync([Delta.Upsert("orders", "o1", new { total = 1 }, "crm").At(T0)], LastWriteWins.Instance);

        var afterFirst = await log.GetChangesAsync(T0.AddSeconds(30));
        var ordersAfterFirst = await log.GetChangesAsync(T0.AddSeconds(30), "orders");
        var all = await log.GetChangesAsync(T0.AddDays(-1));
        var none = await log.GetChangesAsync(T0.AddHours(1));

        afterFirst.Changes.Select(c => $"{c.RecordId}:{c.Kind}").Should().Equal("c2:Updated", "c3:Inserted", "o1:Inserted");
        afterFirst.Changes[0].AppliedAt.Should().Be(T0.AddMinutes(1));
        ordersAfterFirst.Changes.Select(c => c.RecordId).Should().Equal("o1");
        all.FromPosition.Should().Be(0);
        all.Changes.Should().HaveCount(4);
        none.Changes.Should().BeEmpty();
        none.Position.Should().Be(await log.GetPositionAsync());
    }

    [WriterFact]
    public async Task GetHistoryAsync_CreateUpdateSkipDeleteRecreate_ListsEveryEventWithTheStateAfterIt()
    {
        await using var log = await OpenAsync();
        await log.Writer.ApplyPageAsync([Upsert("c1", "Acme", 1), Upsert("c2", "Other", 2)], LastWriteWins.Instance);
        await log.Writer.ApplyPageAsync([Upsert("c1", "Acme 2", 3)], LastWriteWins.Instance);
        await log.Writer.ApplyPageAsync([Upsert("c1", "Ignored", 4)], KeepLocal.Instance);
        await log.Writer.ApplyPageAsync([Delete("c1", 5)], LastWriteWins.Instance);
        await log.Writer.ApplyPageAsync([Upsert("c1", "Acme again", 6).WithId("evt-6")], LastWriteWins.Instance);

        var history = await log.GetHistoryAsync("customers", "c1");

        history.Select(h => $"{h.Op}:{h.Decision}:{h.Applied}:{h.Version}:{h.Exists}:{(h.Exists ? h.Payload.GetProperty("name").GetString() : "-")}")
            .Should().Equal(
                "Upsert:Inserted:True:1:True:Acme",
                "Upsert:Updated:True:2:True:Acme 2",
                "Upsert:Skipped:False:2:True:Acme 2",
                "Delete:Deleted:True:3:False:-",
                "Upsert:Inserted:True:4:True:Acme again");
        history.Select(h => h.Position).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        history[2].IncomingPayload.GetProperty("name").GetString().Should().Be("Ignored");
        history[2].Strategy.Should().Be(KeepLocal.Instance.Label);
        history[4].DeltaId.Should().Be("evt-6");
        history[4].OccurredAt.Should().Be(T0.AddSeconds(6));
        history.Should().OnlyContain(h => h.Resource == "customers" && h.RecordId == "c1" && h.Source == "crm");
        (await log.GetHistoryAsync("customers", "never")).Should().BeEmpty();
    }

    [WriterFact]
    public async Task LogReads_InvalidArguments_ThrowBeforeReading_NamingTheArgument()
    {
        await using var log = await OpenAsync();

        (await FluentActions.Awaiting(() => log.GetChangesAsync(-1)).Should().ThrowAsync<ArgumentOutOfRangeException>()).Which.ParamName.Should().Be("sincePosition");
        (await FluentActions.Awaiting(() => log.GetChangesAsync(0, limit: 0)).Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*between 1 and 100,000*")).Which.ParamName.Should().Be("limit");
        await FluentActions.Awaiting(() => log.GetChangesAsync(0, limit: 100_001)).Should().ThrowAsync<ArgumentOutOfRangeException>();
        (await FluentActions.Awaiting(() => log.GetChangesAsync(0, " ")).Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("resource");
        await FluentActions.Awaiting(() => log.GetChangesAsync(T0, "")).Should().ThrowAsync<ArgumentException>();
        (await FluentActions.Awaiting(() => log.GetHistoryAsync("customers", " ")).Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("recordId");
        await FluentActions.Awaiting(() => log.GetHistoryAsync(null!, "c1")).Should().ThrowAsync<ArgumentNullException>();
        FluentActions.Invoking(() => log.WatchAsync(-1)).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("fromPosition");
        FluentActions.Invoking(() => log.WatchAsync(0, " ")).Should().Throw<ArgumentException>().Which.ParamName.Should().Be("resource");
    }

    [WriterFact]
    public async Task WatchAsync_FromAPosition_StreamsEveryAppliedChangeInOrder_IncludingLaterCommits()
    {
        await using var log = await OpenAsync();
        await log.Writer.ApplyPageAsync([Upsert("c1", "Acme", 1), Upsert("c2", "Globex", 2)], LastWriteWins.Instance);
        var start = await log.GetPositionAsync();
        await log.Writer.ApplyPageAsync([Upsert("c1", "Acme 2", 3), Upsert("c2", "Kept", 4)], new KeepOnly("c2"));
        using var cts = new CancellationTokenSource(Patience);
        var received = new List<RecordChange>();

        var watching = Task.Run(async () =>
        {
            await foreach (var change in log.WatchAsync(start, cancellationToken: cts.Token))
            {
                received.Add(change);
                if (received.Count == 4)
                {
                    return;
                }
            }
        });
        await log.Writer.ApplyPageAsync([Delete("c2", 5), Delta.Upsert("orders", "o1", new { total = 1 }, "crm").At(T0)], LastWriteWins.Instance);
        await log.Writer.ApplyPageAsync([Upsert("c3", "Initech", 6)], LastWriteWins.Instance);
        await watching;

        received.Select(c => $"{c.Resource}/{c.RecordId}:{c.Decision}:{c.Exists}").Should().Equal(
            "customers/c1:Updated:True", "customers/c2:Deleted:False", "orders/o1:Inserted:True", "customers/c3:Inserted:True");
        received.Select(c => c.Position).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        received[0].Position.Should().BeGreaterThan(start);
        received.Should().OnlyContain(c => c.Applied);
        received[0].Payload.GetProperty("name").GetString().Should().Be("Acme 2");
    }

    [WriterFact]
    public async Task WatchAsync_ForOneResource_FromTheEnd_StreamsOnlyThatResourcesLaterChanges()
    {
        await using var log = await OpenAsync();
        await log.Writer.ApplyPageAsync([Delta.Upsert("orders", "old", new { total = 1 }, "crm").At(T0)], LastWriteWins.Instance);
        using var cts = new CancellationTokenSource(Patience);
        await using var watch = log.WatchAsync(resource: "orders", cancellationToken: cts.Token).GetAsyncEnumerator(cts.Token);

        var next = watch.MoveNextAsync().AsTask();
        for (var i = 0; !next.IsCompleted && i < 200; i++)
        {
            // The watch starts at the end of the log when it first reads; keep committing until it has seen one.
            await log.Writer.ApplyPageAsync([Upsert($"c{i}", "Noise", i), Delta.Upsert("orders", $"o{i}", new { total = i }, "crm").At(T0.AddSeconds(i))], LastWriteWins.Instance);
            await Task.WhenAny(next, Task.Delay(50, cts.Token));
        }

        (await next).Should().BeTrue();
        watch.Current.Resource.Should().Be("orders");
        watch.Current.RecordId.Should().StartWith("o", "the order written before the watch started is not streamed");
        watch.Current.RecordId.Should().NotBe("old");
    }

    [WriterFact]
    public async Task WatchAsync_Cancelled_EndsWithOperationCanceledException()
    {
        await using var log = await OpenAsync();
        using var cts = new CancellationTokenSource();
        var watch = log.WatchAsync(cancellationToken: cts.Token).GetAsyncEnumerator(cts.Token);
        var next = watch.MoveNextAsync().AsTask();

        await cts.CancelAsync();

        await FluentActions.Awaiting(() => next).Should().ThrowAsync<OperationCanceledException>();
        await watch.DisposeAsync();
    }

    [WriterFact]
    public async Task GetChangesAsync_TwoWritersCommitInterleavedPages_APollerSeesEveryEventOnce_InPositionOrder()
    {
        await using var first = await OpenAsync();
        await using var second = await first.OpenAnotherAsync();
        const int Pages = 15;
        const int PerPage = 4;
        using var done = new CancellationTokenSource();

        // A slow strategy keeps each page's transaction open while the other writer's page inserts and commits.
        async Task WriteAsync(ContractLog log, string source)
        {
            for (var page = 0; page < Pages; page++)
            {
                var deltas = Enumerable.Range(0, PerPage).Select(i => Delta.Upsert("items", $"{source}-{page}-{i}", new { page, i }, source).At(T0)).ToList();
                await log.Writer.ApplyPageAsync(deltas, new SlowStrategy(TimeSpan.FromMilliseconds(3)));
            }
        }

        var seen = new List<RecordChangeSummary>();
        var poller = Task.Run(async () =>
        {
            var position = 0L;
            while (true)
            {
                var finished = done.IsCancellationRequested;
                var changes = await first.GetChangesAsync(position, limit: 7);
                seen.AddRange(changes.Changes);
                position = changes.Position;
                if (finished && !changes.HasMore)
                {
                    return;
                }
            }
        });
        await Task.WhenAll(Task.Run(() => WriteAsync(first, "a")), Task.Run(() => WriteAsync(second, "b")));
        await done.CancelAsync();
        await poller;

        seen.Select(c => c.RecordId).Should().OnlyHaveUniqueItems("no event is read twice").And.HaveCount(2 * Pages * PerPage, "no event is passed over");
        seen.Select(c => c.LastPosition).Should().BeInAscendingOrder();
        seen.Should().OnlyContain(c => c.Kind == ChangeKind.Inserted && c.ChangeCount == 1);
    }

    private static Delta Upsert(string id, string name, int second) => Delta.Upsert("customers", id, new { name }, "crm").At(T0.AddSeconds(second));

    private static Delta Delete(string id, int second) => Delta.Delete("customers", id, "crm").At(T0.AddSeconds(second));

    /// <summary>Keeps the local record for one id (a skipped event), applies the rest.</summary>
    private sealed class KeepOnly(string recordId) : IConflictStrategy
    {
        public string Label => "keep-only";

        public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming) =>
            incoming.RecordId == recordId ? ConflictResolution.Skip : ConflictResolution.Apply;
    }

    /// <summary>Applies every delta, slowly.</summary>
    private sealed class SlowStrategy(TimeSpan delay) : IConflictStrategy
    {
        public string Label => "slow";

        public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming)
        {
            Thread.Sleep(delay);
            return ConflictResolution.Apply;
        }
    }
}
