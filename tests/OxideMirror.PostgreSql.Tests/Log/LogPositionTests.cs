using Npgsql;

namespace OxideMirror.PostgreSql.Tests.Log;

/// <summary>The commit-ordered log position of the PostgreSQL store, its migration from schema version 1, and its errors.</summary>
[Collection(PostgresTests.Name)]
public sealed class LogPositionTests(PostgresServer server)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [PostgresFact]
    public async Task GetChangesAsync_APageInsertedFirstButCommittedLast_GetsLaterPositions_SoAPollerNeverPassesOverIt()
    {
        var (store, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _ = store;
        await using var other = await PostgresMirrorStore.OpenAsync(cs, Mirrors.Options(cs));
        await store.ApplyPageAsync([Item("a", "seed"), Delta.Upsert("items", "a1", new { id = "a1", n = 1 }, "a").At(T0)], LastWriteWins.Instance); // creates the table both pages write
        var seeded = await store.GetPositionAsync();

        // Page "a" starts first, then waits inside its transaction for the resource row of a1, which this test holds
        // locked, while page "b" writes and commits.
        await using var holder = new NpgsqlConnection(cs);
        await holder.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await new NpgsqlCommand("SELECT 1 FROM oxidemirror.items WHERE record_id = 'a1' FOR UPDATE", holder, hold).ExecuteScalarAsync();
        var late = Task.Run(() => store.ApplyPageAsync([Delta.Upsert("items", "a1", new { id = "a1", n = 2 }, "a").At(T0.AddSeconds(1)), Item("a", "a2")], LastWriteWins.Instance));
        await WaitForALockWaitAsync(cs, late);
        await other.ApplyPageAsync([Item("b", "b1")], LastWriteWins.Instance);
        var first = await store.GetChangesAsync(seeded);
        await hold.CommitAsync();
        await late;
        var second = await store.GetChangesAsync(first.Position);

        (await Mirrors.ScalarAsync(cs, $"SELECT string_agg(record_id, ',' ORDER BY seq) FROM oxidemirror.mirror_events WHERE position > {seeded}")).Should().Be("b1,a1,a2", "a page's events are inserted by its tail, after every write of the page");
        first.Changes.Select(c => c.RecordId).Should().Equal("b1");
        second.Changes.Select(c => c.RecordId).Should().Equal("a1", "a2");
        second.Changes[0].LastPosition.Should().BeGreaterThan(first.Position, "a page's positions are handed out when it commits");
        (await Mirrors.ScalarAsync(cs, $"SELECT string_agg(record_id, ',' ORDER BY position) FROM oxidemirror.mirror_events WHERE position > {seeded}")).Should().Be("b1,a1,a2");
        (await store.GetPositionAsync()).Should().Be(seeded + 3);
    }

    /// <summary>Waits until a session of the test's database waits for a lock, failing if <paramref name="page"/> ends first.</summary>
    private static async Task WaitForALockWaitAsync(string cs, Task page)
    {
        for (var i = 0; i < 600; i++)
        {
            if (page.IsCompleted)
            {
                await page;
                throw new InvalidOperationException("The page committed without waiting for the row this test holds.");
            }
            if (Convert.ToInt64(await Mirrors.ScalarAsync(cs, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"), System.Globalization.CultureInfo.InvariantCulture) > 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The page never waited for the locked row.");
    }

    [PostgresFact]
    public async Task OpenAsync_SchemaVersion1_UpgradesTheLog_PositionsFollowTheOldSeq_AndNewPagesComeAfter()
    {
        var cs = await server.CreateDatabaseAsync();
        await using (var connection = new NpgsqlConnection(cs))
        {
            await connection.OpenAsync();
            var v1 = PgMigrator.Script("001_schema.sql").Replace("{schema}", "oxidemirror", StringComparison.Ordinal);
            await using var command = new NpgsqlCommand(
                "CREATE SCHEMA oxidemirror; CREATE TABLE oxidemirror.mirror_schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now()); " +
                v1 + "; INSERT INTO oxidemirror.mirror_schema_migrations (version) VALUES (1); " +
                "INSERT INTO oxidemirror.mirror_events (resource, record_id, op, payload, source, confidence, occurred_at, applied_at, applied, decision, strategy, version) VALUES " +
                "('items', 'old1', 'upsert', '{\"n\":1}', 'crm', 1, now(), '2026-11-01T00:00:00Z', true, 'insert', 'last-write-wins', 1), " +
                "('items', 'old2', 'upsert', '{\"n\":2}', 'crm', 1, now(), '2026-11-01T00:00:01Z', true, 'insert', 'last-write-wins', 1)",
                connection);
            await command.ExecuteNonQueryAsync();
        }

        await using var store = await PostgresMirrorStore.OpenAsync(cs, Mirrors.Options(cs));
        (await store.GetPositionAsync()).Should().Be(2);
        await store.ApplyPageAsync([Item("crm", "new1")], LastWriteWins.Instance);

        var changes = await store.GetChangesAsync(0);

        changes.Changes.Select(c => $"{c.RecordId}@{c.LastPosition}").Should().Equal("old1@1", "old2@2", "new1@3");
        (await Mirrors.ScalarAsync(cs, "SELECT max(version) FROM oxidemirror.mirror_schema_migrations")).Should().Be(3);
        (await store.GetHistoryAsync("items", "old2")).Should().ContainSingle().Which.Payload.GetProperty("n").GetInt32().Should().Be(2);
    }

    [PostgresFact]
    public async Task ApplyPageAsync_AnotherPagesTailNotYetCommitted_WaitsForIt_AndGetsThePositionsAfterIt()
    {
        var (store, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _ = store;
        await store.ApplyPageAsync([Item("a", "a1"), Item("a", "a2")], LastWriteWins.Instance);

        // The test holds the log head's row lock, as a page does from its tail until it commits.
        await using var holder = new NpgsqlConnection(cs);
        await holder.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await new NpgsqlCommand("SELECT position FROM oxidemirror.mirror_log_head FOR UPDATE", holder, hold).ExecuteScalarAsync();
        var waiting = Task.Run(() => store.ApplyPageAsync([Item("b", "b1"), Item("b", "b2")], LastWriteWins.Instance));
        await WaitForALockWaitAsync(cs, waiting);

        (await Mirrors.ScalarAsync(cs, "SELECT wait_event_type || ':' || wait_event FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' LIMIT 1")).Should().Be("Lock:transactionid", "the page waits for the head's row, not for anything before its tail");
        (await store.GetPositionAsync()).Should().Be(2);
        await hold.CommitAsync();
        await waiting;

        (await store.GetChangesAsync(0)).Changes.Select(c => $"{c.RecordId}@{c.LastPosition}").Should().Equal("a1@1", "a2@2", "b1@3", "b2@4");
        (await store.GetPositionAsync()).Should().Be(4);
    }

    [PostgresFact]
    public async Task ApplyPageAsync_PagesThatLogNothing_LeaveTheHead_AndTimesNeverGoBackAcrossWorkers()
    {
        var (store, cs) = await Mirrors.OpenAsync(server, o => o.TimeProvider = new OxideMirror.Contract.Tests.ManualClock(T0.AddHours(1)), agentRole: false);
        await using var _ = store;
        var slowClock = Mirrors.Options(cs);
        slowClock.TimeProvider = new OxideMirror.Contract.Tests.ManualClock(T0);
        await using var behind = await PostgresMirrorStore.OpenAsync(cs, slowClock);

        await store.ApplyPageAsync([Item("a", "a1")], LastWriteWins.Instance);
        await store.SetCursorAsync("a", "cursor-1");
        await behind.ApplyPageAsync([Item("b", "b1")], LastWriteWins.Instance);

        (await store.GetPositionAsync()).Should().Be(2, "a cursor-only page logs no event and takes no position");
        var history = await store.GetHistoryAsync("items", "b1");
        history.Should().ContainSingle().Which.AppliedAt.Should().Be(T0.AddHours(1), "a worker whose clock is behind logs at the log's last applied time");
        (await store.GetChangesAsync(T0.AddMinutes(30), null, CancellationToken.None)).Changes.Select(c => c.RecordId).Should().Equal("a1", "b1");
    }

    [PostgresFact]
    public async Task LogReads_ServerFailure_IsAMirrorStorageException_NamingTheRead()
    {
        var (store, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _ = store;
        await Mirrors.ScalarAsync(cs, "DROP TABLE oxidemirror.mirror_log_head");

        var position = await FluentActions.Awaiting(() => store.GetPositionAsync()).Should().ThrowAsync<MirrorStorageException>();
        var changes = await FluentActions.Awaiting(() => store.GetChangesAsync(0)).Should().ThrowAsync<MirrorStorageException>();

        position.WithMessage("*reading the log's position*schema 'oxidemirror'*42P01*");
        changes.WithMessage("*reading the changes after a position*");
    }

    [PostgresFact]
    public async Task LogReads_DisposedStore_ThrowObjectDisposed()
    {
        var (store, _) = await Mirrors.OpenAsync(server, agentRole: false);
        await store.DisposeAsync();

        await FluentActions.Awaiting(() => store.GetPositionAsync()).Should().ThrowAsync<ObjectDisposedException>();
        await FluentActions.Awaiting(() => store.GetHistoryAsync("items", "a")).Should().ThrowAsync<ObjectDisposedException>();
        FluentActions.Invoking(() => store.WatchAsync()).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public async Task Options_WatchPollIntervalOutOfRange_IsRefusedAtOpen()
    {
        var act = () => PostgresMirrorStore.OpenAsync("Host=localhost", new PostgresMirrorStoreOptions { WatchPollInterval = TimeSpan.Zero });

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*WatchPollInterval*");
    }

    private static Delta Item(string source, string id) => Delta.Upsert("items", id, new { id }, source).At(T0);

    /// <summary>Signals when it meets one record, then waits, holding its page's transaction open.</summary>
    private sealed class GateStrategy(string recordId, SemaphoreSlim inside, SemaphoreSlim release) : IConflictStrategy
    {
        public string Label => "gate";

        public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming)
        {
            if (incoming.RecordId == recordId)
            {
                inside.Release();
                release.Wait(TimeSpan.FromSeconds(30));
            }

            return ConflictResolution.Apply;
        }
    }
}
