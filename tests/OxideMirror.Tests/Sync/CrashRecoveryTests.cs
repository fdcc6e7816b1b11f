using OxideMirror.CrashHost;
using Xunit.Abstractions;

namespace OxideMirror.Tests.Sync;

/// <summary>
/// Proves batch atomicity with real crashes: a child process syncing a large multi-page source is killed with SIGKILL at
/// several points. After each kill the reopened store must hold exactly the committed pages (records equal to a replay of
/// the committed events, cursor matching them), and resuming must end identical to an uninterrupted run.
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
        var random = new Random(seed);
        using var dir = new TempDirectory();
        var db = dir.File();
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

        await AssertResumeMatchesUninterruptedRunAsync(db, $"after three kills (random seed {seed})");
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
    }
}
