using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Write;

/// <summary>Pins the write path's one transaction sequence, commit signal, maintenance gate and compaction counter.</summary>
public sealed class StoreWriterTests : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly ManualClock _time = new() { Now = T0 };
    private readonly StoreWriter _writer;

    public StoreWriterTests()
    {
        _connection = new SqliteConnection("Data Source=:memory:");
        _connection.Open();
        Migrator.Migrate(_connection, _time, "a test database");
        _writer = new StoreWriter(_connection, Catalog.Load(_connection), path: null, new MirrorStoreOptions { TimeProvider = _time }, NullLogger.Instance);
    }

    public async ValueTask DisposeAsync() => await _writer.CloseAsync(static () => { });

    [Fact]
    public async Task WriteAsync_WorkThrows_RollsBackAndTheNextWriteRecreatesTheTable()
    {
        var failed = () => _writer.WriteAsync<bool>(
            t =>
            {
                _writer.Records.Apply(Customer("c1", "Ada"), LastWriteWins.Instance, Timestamps.Write(t.Now), -1);
                throw new InvalidOperationException("the work failed");
            },
            static () => "a failing write",
            CancellationToken.None);

        await failed.Should().ThrowAsync<InvalidOperationException>().WithMessage("the work failed");
        Count("SELECT count(*) FROM mirror_events").Should().Be(0);
        Count("SELECT count(*) FROM sqlite_master WHERE name = 'customers'").Should().Be(0);

        // Had the apply path kept its cached table for the rolled-back resource, this insert would find no table.
        await _writer.ApplyAsync([Customer("c1", "Ada")], LastWriteWins.Instance, cursor: null, passes: null, CancellationToken.None);

        Count("SELECT count(*) FROM mirror_events").Should().Be(1);
        Count("SELECT count(*) FROM customers").Should().Be(1);
    }

    [Fact]
    public async Task WriteAsync_SqliteFails_ThrowsStorageErrorNamingTheWorkAndStaysUsable()
    {
        var failed = () => _writer.WriteAsync(
            t =>
            {
                using var command = t.Connection.CreateCommand();
                command.Transaction = t.Transaction;
                command.CommandText = "INSERT INTO mirror_cursors (source, resource, cursor, updated_at) VALUES ('s', '*', 'c', 'x'); INSERT INTO no_such_table VALUES (1)";
                return command.ExecuteNonQuery();
            },
            static () => "writing the test's rows",
            CancellationToken.None);

        (await failed.Should().ThrowAsync<MirrorStorageException>()).Which.Message.Should().Contain("writing the test's rows").And.Contain("an in-memory database");
        Count("SELECT count(*) FROM mirror_cursors").Should().Be(0);

        await _writer.ApplyAsync([], LastWriteWins.Instance, new CursorUpdate("s", "c"), passes: null, CancellationToken.None);
        Count("SELECT count(*) FROM mirror_cursors").Should().Be(1);
    }

    [Fact]
    public async Task CommitSignal_CompletesAfterACommitOnly()
    {
        var signal = _writer.CommitSignal();

        var failed = () => _writer.WriteAsync<bool>(_ => throw new InvalidOperationException("no"), static () => "a failing write", CancellationToken.None);
        await failed.Should().ThrowAsync<InvalidOperationException>();
        signal.IsCompleted.Should().BeFalse("a rolled-back transaction commits nothing");

        await _writer.WriteAsync(_ => true, static () => "an empty write", CancellationToken.None);

        signal.IsCompletedSuccessfully.Should().BeTrue();
        _writer.CommitSignal().IsCompleted.Should().BeFalse("each commit replaces the signal with a new one");
    }

    [Fact]
    public async Task CommitSignal_CompletesOnClose()
    {
        var signal = _writer.CommitSignal();

        (await _writer.CloseAsync(static () => { })).Should().BeTrue();

        signal.IsCompletedSuccessfully.Should().BeTrue();
        (await _writer.CloseAsync(static () => { })).Should().BeFalse();
    }

    [Fact]
    public async Task WriteAsync_AfterClose_ThrowsTheStoresObjectDisposedException()
    {
        await _writer.CloseAsync(static () => { });

        var write = () => _writer.WriteAsync(_ => true, static () => "a write", CancellationToken.None);

        (await write.Should().ThrowAsync<ObjectDisposedException>()).Which.ObjectName.Should().Be(typeof(MirrorStore).FullName);
    }

    [Fact]
    public async Task AfterCommit_RunsAfterACommitAndNotAfterARollback()
    {
        var runs = new List<string>();

        var failed = () => _writer.WriteAsync<bool>(
            t =>
            {
                t.AfterCommit(() => runs.Add("rolled back"));
                throw new InvalidOperationException("no");
            },
            static () => "a failing write",
            CancellationToken.None);
        await failed.Should().ThrowAsync<InvalidOperationException>();
        await _writer.WriteAsync(
            t =>
            {
                t.AfterCommit(() => runs.Add("committed"));
                runs.Add("work");
                return true;
            },
            static () => "a write",
            CancellationToken.None);

        runs.Should().Equal("work", "committed");
    }

    [Fact]
    public async Task WriteAsync_ClockGoesBack_LogTimeNeverGoesBackButOtherWritesTakeTheClock()
    {
        _time.Now = T0.AddHours(1);
        await _writer.ApplyAsync([Customer("c1", "Ada")], LastWriteWins.Instance, cursor: null, passes: null, CancellationToken.None);
        _time.Now = T0;

        var logTime = await _writer.WriteAsync(t => t.Now, static () => "a log write", CancellationToken.None, appendsToLog: true);
        var otherTime = await _writer.WriteAsync(t => t.Now, static () => "a write", CancellationToken.None);

        logTime.Should().Be(T0.AddHours(1));
        otherTime.Should().Be(T0);
    }

    [Fact]
    public async Task ExclusiveAsync_HoldsWritesOffUntilItEnds()
    {
        Task? pending = null;

        var completedInside = await _writer.ExclusiveAsync(
            _ =>
            {
                pending = _writer.ApplyAsync([Customer("c1", "Ada")], LastWriteWins.Instance, cursor: null, passes: null, CancellationToken.None);
                return pending.IsCompleted;
            },
            "holding the gate",
            CancellationToken.None);

        completedInside.Should().BeFalse("the write waited for the gate");
        await pending!;
        Count("SELECT count(*) FROM mirror_events").Should().Be(1);
    }

    [Fact]
    public async Task WriteAsync_WhileAWriteRuns_WaitsForIt()
    {
        Task<long>? second = null;

        var completedInside = await _writer.WriteAsync(
            t =>
            {
                second = _writer.WriteAsync(_ => Count("SELECT count(*) FROM mirror_cursors"), static () => "the second write", CancellationToken.None);
                _writer.Records.SetCursor(new CursorUpdate("s", "c"), Timestamps.Write(t.Now));
                return second.IsCompleted;
            },
            static () => "the first write",
            CancellationToken.None);

        completedInside.Should().BeFalse();
        (await second!).Should().Be(1, "the second write ran after the first committed");
    }

    [Fact]
    public async Task MaintainAsync_ExcludesOtherMaintenanceButNotWrites()
    {
        Task<bool>? other = null;
        var wrote = false;

        var completedInside = await _writer.MaintainAsync(
            async () =>
            {
                other = _writer.MaintainAsync(() => Task.FromResult(true), CancellationToken.None);
                await _writer.WriteAsync(_ => wrote = true, static () => "a write during maintenance", CancellationToken.None);
                return other.IsCompleted;
            },
            CancellationToken.None);

        wrote.Should().BeTrue();
        completedInside.Should().BeFalse("the second maintenance waited for the first");
        (await other!).Should().BeTrue();
    }

    [Fact]
    public async Task WriteAsync_Cancelled_RunsNothing()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var ran = false;

        var write = () => _writer.WriteAsync(_ => ran = true, static () => "a write", cancelled.Token);

        await write.Should().ThrowAsync<OperationCanceledException>();
        ran.Should().BeFalse();
    }

    private long Count(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>A clock a test may set backwards (FakeTimeProvider refuses to), as an NTP step or a restored VM does.</summary>
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
