using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Log;

/// <summary>Live changes: a stream of applied changes, read from the log by position and woken by commits.</summary>
public sealed class WatchTests
{
    /// <summary>A safety net so that a broken stream fails the test instead of hanging it; no assertion depends on it.</summary>
    private static CancellationTokenSource Guard() => new(TimeSpan.FromMinutes(1));

    [Fact]
    public async Task WatchAsync_SlowConsumer_GetsEveryAppliedChangeInOrderAcrossManyBatches()
    {
        using var directory = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(directory.File());
        using var guard = Guard();
        const int Batches = 30;
        const int PerBatch = 40;
        var expected = new List<(string RecordId, long Version)>();
        var versions = new Dictionary<string, long>();
        var batches = new List<IReadOnlyList<Delta>>();
        for (var b = 0; b < Batches; b++)
        {
            var batch = new List<Delta>();
            for (var i = 0; i < PerBatch; i++)
            {
                var id = $"c{(b * 7 + i) % 50}";
                batch.Add(Customer(id, $"v{b}-{i}"));
                versions[id] = versions.GetValueOrDefault(id) + 1;
                expected.Add((id, versions[id]));
            }

            // Re-send the batch's last change: logged as unchanged, and not streamed.
            batch.Add(batch[^1]);
            batches.Add(batch);
        }

        var firstReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writerDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new List<RecordChange>();
        var consumer = Task.Run(async () =>
        {
            await foreach (var change in store.WatchAsync(fromPosition: 0, cancellationToken: guard.Token))
            {
                received.Add(change);
                if (received.Count == 1)
                {
                    // Fall far behind: the writer commits every batch before this consumer reads on.
                    firstReceived.SetResult();
                    await writerDone.Task.WaitAsync(guard.Token);
                }

                if (received.Count == expected.Count)
                {
                    break;
                }
            }
        });

        await store.ApplyBatchAsync(batches[0], LastWriteWins.Instance);
        await firstReceived.Task.WaitAsync(guard.Token);
        foreach (var batch in batches.Skip(1))
        {
            await store.ApplyBatchAsync(batch, LastWriteWins.Instance);
        }

        writerDone.SetResult();
        await consumer.WaitAsync(guard.Token);

        received.Select(c => (c.RecordId, c.Version)).Should().Equal(expected);
        received.Select(c => c.Position).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        received.Should().OnlyContain(c => c.Applied && c.Decision != ApplyDecision.Unchanged);
        (await store.EventCountAsync()).Should().Be(Batches * (PerBatch + 1));
    }

    [Fact]
    public async Task WatchAsync_CaughtUp_WaitsAndWakesOnTheNextCommit()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var guard = Guard();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        await using var stream = store.WatchAsync(fromPosition: await store.GetPositionAsync(), cancellationToken: guard.Token).GetAsyncEnumerator();

        var next = stream.MoveNextAsync();
        next.IsCompleted.Should().BeFalse("nothing was committed after the start position");
        await store.ApplyAsync(Customer("c2", "Grace"), LastWriteWins.Instance);

        (await next).Should().BeTrue();
        stream.Current.RecordId.Should().Be("c2");
        stream.Current.Decision.Should().Be(ApplyDecision.Inserted);
        stream.Current.Payload.ShouldBeJson("""{"name":"Grace"}""");
    }

    [Fact]
    public async Task WatchAsync_NoStartPosition_StreamsOnlyChangesCommittedAfterEnumerationStarts()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var guard = Guard();
        await store.ApplyBatchAsync([Customer("c1", "Ada"), Customer("c2", "Grace")], LastWriteWins.Instance);
        await using var stream = store.WatchAsync(cancellationToken: guard.Token).GetAsyncEnumerator();

        var next = stream.MoveNextAsync();
        await store.ApplyAsync(Customer("c3", "Edsger"), LastWriteWins.Instance);

        (await next).Should().BeTrue();
        stream.Current.RecordId.Should().Be("c3");
    }

    [Fact]
    public async Task WatchAsync_FromZeroOrAPosition_ReplaysTheLogAfterIt()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var guard = Guard();
        await store.ApplyBatchAsync([Customer("c1", "Ada"), Customer("c2", "Grace"), Delta.Delete("customers", "c1", "crm")], LastWriteWins.Instance);

        var all = await TakeAsync(store.WatchAsync(0, cancellationToken: guard.Token), 3);
        var afterFirst = await TakeAsync(store.WatchAsync(all[0].Position, cancellationToken: guard.Token), 2);

        all.Select(c => (c.RecordId, c.Op, c.Version, c.Exists)).Should().Equal(
            ("c1", ChangeOp.Upsert, 1L, true), ("c2", ChangeOp.Upsert, 1L, true), ("c1", ChangeOp.Delete, 2L, false));
        afterFirst.Select(c => c.Position).Should().Equal(all[1].Position, all[2].Position);
    }

    [Fact]
    public async Task WatchAsync_ResourceFilter_StreamsOnlyThatResource()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var guard = Guard();
        await using var stream = store.WatchAsync(0, "orders", guard.Token).GetAsyncEnumerator();
        var next = stream.MoveNextAsync();

        await store.ApplyBatchAsync([Customer("c1", "Ada"), Delta.Upsert("orders", "o1", new { total = 5 }, "shop")], LastWriteWins.Instance);
        await store.ApplyBatchAsync([Customer("c2", "Grace")], LastWriteWins.Instance);
        await store.ApplyBatchAsync([Delta.Upsert("orders", "o2", new { total = 7 }, "shop"), Customer("c3", "Edsger")], LastWriteWins.Instance);

        (await next).Should().BeTrue();
        stream.Current.RecordId.Should().Be("o1");
        (await stream.MoveNextAsync()).Should().BeTrue();
        stream.Current.RecordId.Should().Be("o2");
        stream.Current.Resource.Should().Be("orders");
    }

    [Fact]
    public async Task WatchAsync_SkippedChanges_AreNotStreamed()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var guard = Guard();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        await store.ApplyAsync(Customer("c1", "Eve"), KeepLocal.Instance);
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        await store.ApplyAsync(Customer("c1", "Ada L"), LastWriteWins.Instance);

        var changes = await TakeAsync(store.WatchAsync(0, cancellationToken: guard.Token), 2);

        changes.Select(c => (c.Decision, c.Version)).Should().Equal((ApplyDecision.Inserted, 1L), (ApplyDecision.Updated, 2L));
        changes[1].Position.Should().Be(4);
    }

    [Fact]
    public async Task WatchAsync_Cancelled_EndsTheStreamWithOperationCanceled()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var cancellation = new CancellationTokenSource();
        await using var stream = store.WatchAsync(0).WithCancellation(cancellation.Token).GetAsyncEnumerator();

        var next = stream.MoveNextAsync();
        await cancellation.CancelAsync();

        await FluentActions.Awaiting(async () => await next).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task WatchAsync_StoreDisposed_EndsTheStreamWithObjectDisposed()
    {
        var store = await MirrorStore.OpenInMemoryAsync();
        using var guard = Guard();
        await using var stream = store.WatchAsync(0, cancellationToken: guard.Token).GetAsyncEnumerator();
        var next = stream.MoveNextAsync();

        await store.DisposeAsync();

        await FluentActions.Awaiting(async () => await next).Should().ThrowAsync<ObjectDisposedException>();
        store.Invoking(s => s.WatchAsync()).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public async Task WatchAsync_InvalidArguments_ThrowBeforeEnumerating()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        store.Invoking(s => s.WatchAsync(-1)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("fromPosition");
        store.Invoking(s => s.WatchAsync(0, " ")).Should().Throw<ArgumentException>().WithParameterName("resource");
    }

    private static async Task<List<RecordChange>> TakeAsync(IAsyncEnumerable<RecordChange> stream, int count)
    {
        var list = new List<RecordChange>();
        await foreach (var change in stream)
        {
            list.Add(change);
            if (list.Count == count)
            {
                break;
            }
        }

        return list;
    }
}
