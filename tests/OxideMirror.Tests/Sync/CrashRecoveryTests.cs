using OxideMirror.CrashHost;
using Xunit.Abstractions;

namespace OxideMirror.Tests.Sync;

/// <summary>
/// Proves batch atomicity with real crashes: a child process syncing a large multi-page source is killed with SIGKILL at
/// several points. After each kill the reopened store must hold exactly the committed pages (records equal to a replay of
/// the committed events, history holding exactly the versions they replaced, cursor matching them), and resuming must end
/// identical to an uninterrupted run, history and as-of answers included.
/// </summary>
public sealed class CrashRecoveryTests(UninterruptedRun reference, ITestOutputHelper output) : IClassFixture<UninterruptedRun>
{
    private const string SourceId = "generated";

    public enum KillPoint
    {
        /// <summary>Right after the child starts: before, during or just after the store opens.</summary>
        ImmediatelyAfterStart,

        /// <summary>As soon as the child says the store is open: usually in the first page's transaction.</summary>
        AfterStoreOpened,

        /// <summary>As soon as the child says the first page committed: usually in the second page's transaction.</summary>
        AfterFirstCommittedPage,

        /// <summary>As soon as the child says half the pages committed.</summary>
        Midway,
    }

    [Theory]
    [InlineData(KillPoint.ImmediatelyAfterStart)]
    [InlineData(KillPoint.AfterStoreOpened)]
    [InlineData(KillPoint.AfterFirstCommittedPage)]
    [InlineData(KillPoint.Midway)]
    public async Task SyncKilled_AtKillPoint_StoreHoldsCommittedPagesAndResumeMatchesUninterruptedRun(KillPoint point)
    {
        using var dir = new TempDirectory();
        var db = dir.File();
        int seen;
        string? lastLine;
        using (var child = CrashHostProcess.Start(db, UninterruptedRun.NewSource(), "--spin", "2000"))
        {
            switch (point)
            {
                case KillPoint.ImmediatelyAfterStart:
                    break;
                case KillPoint.AfterStoreOpened:
                    await child.WaitForOpenedAsync();
                    break;
                case KillPoint.AfterFirstCommittedPage:
                    await child.WaitForCommittedAsync(1);
                    break;
                case KillPoint.Midway:
                    await child.WaitForCommittedAsync(UninterruptedRun.Pages / 2);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(point));
            }

            await KillAsync(child);
            seen = child.LastCommittedPages;
            lastLine = child.LastLine;
        }

        var stored = await AssertHoldsCommittedPagesAsync(db, seen, $"after a kill at {point}");
        Log(point.ToString(), lastLine, stored);
        await AssertResumeMatchesUninterruptedRunAsync(db, $"after a kill at {point}");
    }

    [Fact]
    public async Task SyncKilled_RepeatedlyAfterRandomDelays_EveryRestartResumesAndTheEndMatchesUninterruptedRun()
    {
        var seed = Environment.TickCount;
        using var dir = new TempDirectory();
        var db = dir.File();

        await KillRepeatedlyAtRandomPointsAsync(db, seed);

        await AssertResumeMatchesUninterruptedRunAsync(db, $"after three kills (random seed {seed})");
    }

    [Fact]
    public async Task SyncKilled_RepeatedlyAfterRandomDelays_HistoryAndAsOfAnswersMatchUninterruptedRunAndARebuildReproducesThem()
    {
        // The feed updates and deletes earlier records throughout (38% and 12% of its deltas), so every page writes
        // history rows in its transaction, and kills land while they are being written.
        var seed = Environment.TickCount;
        using var dir = new TempDirectory();
        var db = dir.File();
        await KillRepeatedlyAtRandomPointsAsync(db, seed);
        var why = $"after three kills (random seed {seed})";

        await AssertResumeMatchesUninterruptedRunAsync(db, why);

        await using var store = await MirrorStore.OpenAsync(db);
        var snapshot = await MirrorSnapshot.ReadAsync(store, SourceId);
        foreach (var pages in UninterruptedRun.AsOfPages)
        {
            var records = await MirrorSnapshot.RecordsAsOfAsync(store, snapshot.CommittedAt(pages));
            MirrorSnapshot.FirstDifference(records, snapshot.Replay(pages * UninterruptedRun.PageSize)).Should().BeNull(
                "mirror_records as of the moment page {0} committed must equal a replay of the log's first {0} pages ({1})", pages, why);
        }

        var answers = await snapshot.AsOfAnswersAsync(store, UninterruptedRun.AsOfPages, UninterruptedRun.PageSize);
        MirrorSnapshot.FirstDifference(answers, reference.AsOfAnswers).Should().BeNull(
            "every as-of answer (mirror_records and each resource table, by applied and by event time) must equal the uninterrupted run's ({0})", why);

        // Wreck the history behind the store's back, so that the rebuild has something to reproduce.
        var tables = snapshot.History.Select(h => h.Table).Distinct().ToList();
        tables.Should().HaveCount(1 + GeneratedSource.Resources.Count, "mirror_records_history and one history table per resource");
        foreach (var table in tables)
        {
            var seq = table == "mirror_records_history" ? "replaced_seq" : "\"~replaced_seq\"";
            OxideMirror.Tests.Log.EventSourcingKit.Execute(db, $"DELETE FROM \"{table}\" WHERE {seq} % 3 = 0; UPDATE \"{table}\" SET {(table == "mirror_records_history" ? "version" : "_version")} = -1 WHERE {seq} % 3 = 1");
        }

        MirrorSnapshot.FirstDifference(MirrorSnapshot.ReadHistory(db, snapshot.AppliedTimes), snapshot.History).Should().NotBeNull("the scrambled history must differ, or the rebuild below proves nothing");

        var rebuilt = await store.RebuildRecordsAsync();

        rebuilt.EventsRead.Should().Be(snapshot.Events.Count(e => e.Applied), "the rebuild reads every applied event of the log");
        MirrorSnapshot.FirstDifference(MirrorSnapshot.ReadHistory(db, snapshot.AppliedTimes), reference.Snapshot.History).Should().BeNull(
            "a rebuild of the recovered store must reproduce the uninterrupted run's history, row for row ({0})", why);
        MirrorSnapshot.FirstDifference(await snapshot.AsOfAnswersAsync(store, UninterruptedRun.AsOfPages, UninterruptedRun.PageSize), reference.AsOfAnswers).Should().BeNull(
            "after the rebuild every as-of answer must still equal the uninterrupted run's ({0})", why);
    }

    /// <summary>
    /// Syncs the feed into <paramref name="db"/> in child processes killed three times at random points, checking after
    /// each kill that the store holds whole committed pages; stops early if the child finished before a kill.
    /// </summary>
    private async Task KillRepeatedlyAtRandomPointsAsync(string db, int seed)
    {
        var random = new Random(seed);
        var committed = 0;
        for (var kill = 1; kill <= 3; kill++)
        {
            // Wait for a page a few pages past the last kill, then a random delay of up to about a page's work, so the
            // kill lands anywhere: while the next page is built, inside its transaction, or during the commit.
            var page = committed + random.Next(1, 12);
            var delay = random.Next(0, 40);
            var why = $"after kill {kill} (random seed {seed}: {delay} ms after page {page} was reported)";
            string? lastLine;
            bool finished;

            // The spin slows each decision a little, so the child does not outrun the reading of its output.
            using (var child = CrashHostProcess.Start(db, UninterruptedRun.NewSource(), "--spin", "2000"))
            {
                await child.WaitForCommittedAsync(page);
                Thread.Sleep(delay);
                await child.KillAsync();
                finished = child.Finished;
                if (!finished)
                {
                    child.ExitCode.Should().Be(137, "the child must die of SIGKILL (128 + 9), not exit on its own; {0}", child.Describe());
                }

                page = child.LastCommittedPages;
                lastLine = child.LastLine;
            }

            committed = await AssertHoldsCommittedPagesAsync(db, page, why);
            Log(why, lastLine, committed);
            if (finished)
            {
                // The random point fell after the last page: the child finished before the kill. Later kills would only
                // find a finished sync, so stop here (the first kill always lands: page 1 to 11 of 60).
                kill.Should().BeGreaterThan(1, "the first kill comes at page 11 at the latest; {0}", why);
                break;
            }
        }
    }

    /// <summary>Says where the kill landed, from the child's last words and the store: observed, not asserted (a kill lands where it lands).</summary>
    private void Log(string what, string? lastLine, int storedPages)
    {
        var landed = lastLine switch
        {
            null => "before the child wrote anything",
            var l when l.StartsWith("applying ", StringComparison.Ordinal) && GeneratedSource.PagesBefore(l["applying ".Length..]) > storedPages
                => $"mid-batch: page {l["applying ".Length..]} was being applied and rolled back",
            var l when l.StartsWith("applying ", StringComparison.Ordinal) => $"just after page {l["applying ".Length..]} committed",
            var l when l.StartsWith("committed ", StringComparison.Ordinal) => $"between batches, while pulling the page after {l["committed ".Length..]}",
            var l => $"after \"{l}\"",
        };
        output.WriteLine($"{what}: killed {landed}; the store holds {storedPages} page(s)");
    }

    private static async Task KillAsync(CrashHostProcess child)
    {
        await child.KillAsync();
        child.Finished.Should().BeFalse("the kill must interrupt the sync; {0}", child.Describe());
        child.ExitCode.Should().Be(137, "the child must die of SIGKILL (128 + 9), not exit on its own; {0}", child.Describe());
    }

    /// <summary>
    /// Reopens the killed store and checks that it holds whole committed pages only: the events are exactly the
    /// reference's first pages, the records equal a replay of those events, and the cursor names that many pages.
    /// </summary>
    /// <returns>The number of committed pages.</returns>
    private async Task<int> AssertHoldsCommittedPagesAsync(string db, int reportedPages, string why)
    {
        MirrorSnapshot snapshot;
        await using (var store = await MirrorStore.OpenAsync(db))
        {
            snapshot = await MirrorSnapshot.ReadAsync(store, SourceId);
        }

        var pages = snapshot.CommittedPages;
        pages.Should().BeGreaterThanOrEqualTo(reportedPages, "the child reported {0} committed pages before the kill ({1})", reportedPages, why);
        snapshot.Events.Count.Should().Be(
            pages * UninterruptedRun.PageSize,
            "the cursor says {0} pages committed, and a page's events commit with its cursor, all or nothing ({1})",
            pages,
            why);

        var expectedEvents = reference.Snapshot.Events.Take(snapshot.Events.Count).ToList();
        MirrorSnapshot.FirstDifference(snapshot.Events, expectedEvents).Should().BeNull(
            "the log must hold exactly the first {0} pages' events, as an uninterrupted run logs them ({1})", pages, why);
        MirrorSnapshot.FirstDifference(snapshot.Records, snapshot.Replay()).Should().BeNull(
            "mirror_records must equal a replay of the committed events ({0})", why);
        snapshot.Duplicates().Should().BeEmpty("no change may be applied twice ({0})", why);
        MirrorSnapshot.FirstDifference(snapshot.History, reference.Snapshot.HistoryUpTo(snapshot.Events)).Should().BeNull(
            "the history must hold exactly the versions the committed pages replaced, as an uninterrupted run keeps them ({0})", why);
        return pages;
    }

    /// <summary>Resumes the sync in this process and checks that it ends exactly where an uninterrupted run ends.</summary>
    private async Task AssertResumeMatchesUninterruptedRunAsync(string db, string why)
    {
        await using var store = await MirrorStore.OpenAsync(db);
        var before = GeneratedSource.PagesBefore(await store.GetCursorAsync(SourceId));
        var report = await new Syncer(store, MergeJson.Instance).SyncAsync(UninterruptedRun.NewSource());
        report.StartCursor.Should().Be(GeneratedSource.CursorAfter(before));
        report.Pulled.Should().Be(
            (long)(UninterruptedRun.Pages - before) * UninterruptedRun.PageSize,
            "the resumed sync must pull exactly the pages that had not committed ({0})",
            why);

        var snapshot = await MirrorSnapshot.ReadAsync(store, SourceId);
        var expected = reference.Snapshot;
        snapshot.Cursor.Should().Be(expected.Cursor, why);
        MirrorSnapshot.FirstDifference(snapshot.Records, expected.Records).Should().BeNull(
            "the resumed mirror's records (payload, version, deletion) must equal the uninterrupted run's ({0})", why);
        MirrorSnapshot.FirstDifference(snapshot.Events, expected.Events).Should().BeNull(
            "the resumed mirror's log must equal the uninterrupted run's, event for event ({0})", why);
        snapshot.Duplicates().Should().BeEmpty("no change may be applied twice ({0})", why);
        MirrorSnapshot.FirstDifference(snapshot.Records, snapshot.Replay()).Should().BeNull(
            "mirror_records must equal a replay of the log ({0})", why);
        MirrorSnapshot.FirstDifference(snapshot.History, expected.History).Should().BeNull(
            "the resumed mirror's history (mirror_records_history and each mirror_history_<table>) must equal the uninterrupted run's ({0})", why);
    }
}
