using System.Globalization;
using OxideMirror.CrashHost;
using Xunit.Abstractions;

namespace OxideMirror.Tests.Sync;

/// <summary>
/// Complements the crash tests: a reader polling the store while a large sync runs must only ever see whole batches,
/// a log of exactly as many pages as the cursor says. A gap between two commits (say, the cursor committed on its own
/// after the batch) is usually microseconds long, so a kill -9 lands in it only by luck; a tight reader loop finds it.
/// </summary>
public sealed class SyncerAtomicityTests(ITestOutputHelper output)
{
    /// <summary>A generous time limit: the machine may be busy, and this test asserts nothing about speed.</summary>
    private static readonly QueryOptions Patient = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task SyncAsync_WhileAReaderPolls_ReaderOnlySeesWholeBatchesWithTheirCursor()
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());
        var source = new GeneratedSource(seed: 11, pages: 30, pageSize: 250);
        var sync = Task.Run(() => new Syncer(store, MergeJson.Instance).SyncAsync(source));

        var polls = 0;
        var states = new HashSet<long>();
        var torn = new List<string>();
        while (!sync.IsCompleted && torn.Count < 5)
        {
            // One statement reads one snapshot, so the two counts come from the same committed state.
            var result = await store.QueryAsync(
                "SELECT (SELECT count(*) FROM mirror_events) AS events, (SELECT cursor FROM mirror_cursors WHERE source = @source AND resource = '*') AS cursor",
                new { source = source.Id },
                Patient,
                CancellationToken.None);
            var row = result.Rows[0];
            var events = (long)row["events"]!;
            var pages = GeneratedSource.PagesBefore((string?)row["cursor"]);
            polls++;
            states.Add(events);
            if (events != (long)pages * source.PageSize)
            {
                torn.Add(string.Create(CultureInfo.InvariantCulture, $"{events} events with a cursor of {pages} pages"));
            }
        }

        await sync;
        output.WriteLine($"{polls} polls saw {states.Count} distinct committed states");
        torn.Should().BeEmpty("a batch's events and its cursor commit together, so no reader may see one without the other");
    }
}
