using System.Diagnostics;
using OxideMirror.PostgreSql.Worker;

namespace OxideMirror.PostgreSql.Tests.Log;

/// <summary>
/// <see cref="PostgresMirrorStore.WatchAsync"/> across processes: woken by the NOTIFY of a commit made through another
/// store instance or a child process, reconnecting its LISTEN when the connection drops, and polling when a
/// notification is lost. Watchers here poll once an hour unless a test says otherwise, so only a notification (or a
/// reconnect's read) can deliver a change in time.
/// </summary>
[Collection(PostgresTests.Name)]
public sealed class WatchTests(PostgresServer server)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [PostgresFact]
    public async Task WatchAsync_AnotherStoreInstanceCommits_TheNotifyWakesTheWatch()
    {
        var (watcher, cs) = await Mirrors.OpenAsync(server, o => o.WatchPollInterval = TimeSpan.FromHours(1), agentRole: false);
        await using var _ = watcher;
        await using var writer = await PostgresMirrorStore.OpenAsync(cs, Mirrors.Options(cs));
        using var cts = new CancellationTokenSource(Patience);
        await using var watch = watcher.WatchAsync(0, cancellationToken: cts.Token).GetAsyncEnumerator(cts.Token);

        var received = new List<RecordChange>();
        var next = watch.MoveNextAsync().AsTask();
        await WaitUntilListeningAsync(cs, 1);
        for (var page = 0; page < 3; page++)
        {
            await writer.ApplyPageAsync([Item("w", $"p{page}-a"), Item("w", $"p{page}-b")], LastWriteWins.Instance);
            for (var i = 0; i < 2; i++)
            {
                (await next).Should().BeTrue();
                received.Add(watch.Current);
                next = watch.MoveNextAsync().AsTask();
            }
        }

        received.Select(c => c.RecordId).Should().Equal("p0-a", "p0-b", "p1-a", "p1-b", "p2-a", "p2-b");
        received.Select(c => c.Position).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        await cts.CancelAsync();
        await FluentActions.Awaiting(() => next).Should().ThrowAsync<OperationCanceledException>();
    }

    [PostgresFact]
    public async Task WatchAsync_AChildProcessSyncs_EveryAppliedChangeIsStreamedInOrder()
    {
        var (watcher, cs) = await Mirrors.OpenAsync(server, o => o.WatchPollInterval = TimeSpan.FromHours(1), agentRole: false);
        await using var _ = watcher;
        using var cts = new CancellationTokenSource(Patience);
        var received = new List<RecordChange>();
        var watching = Task.Run(async () =>
        {
            await foreach (var change in watcher.WatchAsync(0, cancellationToken: cts.Token))
            {
                lock (received)
                {
                    received.Add(change);
                }
            }
        });
        await WaitUntilListeningAsync(cs, 1);

        var (exitCode, output) = await RunWorkerAsync(cs, "child", first: 1, last: 4);
        exitCode.Should().Be(0, output);
        var applied = Convert.ToInt32(await Mirrors.ScalarAsync(cs, "SELECT count(*) FROM oxidemirror.mirror_events WHERE applied"), System.Globalization.CultureInfo.InvariantCulture);
        var positions = await Mirrors.ScalarAsync(cs, "SELECT string_agg(position::text, ',' ORDER BY position) FROM oxidemirror.mirror_events WHERE applied");
        while (Count(received) < applied && !cts.IsCancellationRequested)
        {
            await Task.Delay(20);
        }

        await cts.CancelAsync();
        await FluentActions.Awaiting(() => watching).Should().ThrowAsync<OperationCanceledException>();
        applied.Should().BeGreaterThan(20, "four pages of ten deltas, a few of them deletes of records never seen");
        received.Select(c => c.Position.ToString(System.Globalization.CultureInfo.InvariantCulture)).Should().Equal(((string)positions!).Split(','));
        received.Should().OnlyContain(c => c.Source == "child" && c.Applied);
    }

    private static int Count(List<RecordChange> received)
    {
        lock (received)
        {
            return received.Count;
        }
    }

    [PostgresFact]
    public async Task WatchAsync_ListeningConnectionTerminated_ListensAgain_AndStreamsLaterCommits()
    {
        var (watcher, cs) = await Mirrors.OpenAsync(server, o => o.WatchPollInterval = TimeSpan.FromHours(1), agentRole: false);
        await using var _ = watcher;
        using var cts = new CancellationTokenSource(Patience);
        await using var watch = watcher.WatchAsync(cancellationToken: cts.Token).GetAsyncEnumerator(cts.Token);
        var next = watch.MoveNextAsync().AsTask();
        var first = await WaitUntilListeningAsync(cs, 1);

        await Mirrors.ScalarAsync(cs, $"SELECT pg_terminate_backend({first})");
        var again = await WaitUntilListeningAsync(cs, 1, except: first);
        await watcher.ApplyPageAsync([Item("w", "after")], LastWriteWins.Instance);

        (await next).Should().BeTrue();
        watch.Current.RecordId.Should().Be("after");
        again.Should().NotBe(first);
    }

    [PostgresFact]
    public async Task WatchAsync_ACommitThatSendsNoNotification_IsFoundByThePoll()
    {
        var (watcher, cs) = await Mirrors.OpenAsync(server, o => o.WatchPollInterval = TimeSpan.FromMilliseconds(200), agentRole: false);
        await using var _ = watcher;
        await watcher.ApplyPageAsync([Item("w", "first")], LastWriteWins.Instance);
        using var cts = new CancellationTokenSource(Patience);
        await using var watch = watcher.WatchAsync(cancellationToken: cts.Token).GetAsyncEnumerator(cts.Token);
        var next = watch.MoveNextAsync().AsTask();
        await WaitUntilListeningAsync(cs, 1);

        // A commit whose notification is lost: the event and the head move, and no NOTIFY is sent.
        await Mirrors.ScalarAsync(cs,
            "WITH e AS (INSERT INTO oxidemirror.mirror_events (resource, record_id, op, payload, source, confidence, occurred_at, applied_at, applied, decision, strategy, version, position) " +
            "SELECT 'items', 'silent', 'upsert', '{\"id\":\"silent\"}', 'w', 1, now(), now(), true, 'insert', 'manual', 1, position + 1 FROM oxidemirror.mirror_log_head RETURNING position) " +
            "UPDATE oxidemirror.mirror_log_head SET position = (SELECT position FROM e)");

        (await next).Should().BeTrue();
        watch.Current.RecordId.Should().Be("silent");
    }

    [PostgresFact]
    public async Task WatchAsync_CancelledOrStoreDisposed_EndsAndClosesItsListeningConnection()
    {
        var (watcher, cs) = await Mirrors.OpenAsync(server, o => o.WatchPollInterval = TimeSpan.FromHours(1), agentRole: false);
        using var cts = new CancellationTokenSource(Patience);
        var cancelled = new CancellationTokenSource();
        var one = watcher.WatchAsync(cancellationToken: cancelled.Token).GetAsyncEnumerator(cancelled.Token);
        var two = watcher.WatchAsync(cancellationToken: cts.Token).GetAsyncEnumerator(cts.Token);
        var oneNext = one.MoveNextAsync().AsTask();
        var twoNext = two.MoveNextAsync().AsTask();
        await WaitUntilListeningAsync(cs, 2);

        await cancelled.CancelAsync();
        await FluentActions.Awaiting(() => oneNext).Should().ThrowAsync<OperationCanceledException>();
        await one.DisposeAsync();
        await WaitUntilListeningAsync(cs, 1);
        await watcher.DisposeAsync();

        await FluentActions.Awaiting(() => twoNext).Should().ThrowAsync<ObjectDisposedException>();
        await two.DisposeAsync();
        await WaitUntilListeningAsync(cs, 0);
        cancelled.Dispose();
    }

    private static Delta Item(string source, string id) => Delta.Upsert("items", id, new { id }, source).At(T0);

    /// <summary>Waits until exactly <paramref name="count"/> watch connections of the database listen; returns one's process id.</summary>
    private static async Task<int> WaitUntilListeningAsync(string connectionString, int count, int except = 0)
    {
        var database = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database;
        for (var i = 0; i < 600; i++)
        {
            var found = await Mirrors.ScalarAsync(connectionString,
                $"SELECT count(*)::int || ',' || coalesce(min(pid), 0) FROM pg_stat_activity WHERE datname = '{database}' AND application_name = 'oxidemirror-watch' AND pid <> {except} AND query LIKE 'LISTEN%'");
            var parts = ((string)found!).Split(',');
            if (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) == count)
            {
                return int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{count} watch connection(s) never listened on database '{database}'.");
    }

    private static async Task<(int ExitCode, string Output)> RunWorkerAsync(string connectionString, string source, int first, int last)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "OxideMirror.PostgreSql.Worker.dll");
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h
            : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
            : "dotnet";
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { dll, connectionString, source, first.ToString(System.Globalization.CultureInfo.InvariantCulture), last.ToString(System.Globalization.CultureInfo.InvariantCulture), "0" })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
