using System.Globalization;
using OxideMirror;
using OxideMirror.CrashHost;

// Usage: OxideMirror.CrashHost <dbPath> <pages> <pageSize> [--seed N] [--strategy merge-json|last-write-wins] [--spin N]
//        OxideMirror.CrashHost open <dbPath> <recordId> | hold <dbPath> <maxMs>   (see StoreModes)
//
// Opens the mirror at <dbPath>, syncs a GeneratedSource into it (resuming from the stored cursor) and reports on stdout,
// one flushed line each:
//   opened <cursor|->      the store is open; the cursor it holds (- for none)
//   applying <cursor>      the page that returns <cursor> was pulled and is being applied
//   committed <cursor>     the page that returned <cursor> is committed
//   done <cursor>          the sync finished
// The crash tests kill this process at chosen points and check what the store kept.
// The other modes (open, hold) serve the tests of opening and locking one file from several processes: see StoreModes.
if (args.Length > 0 && args[0] is "open" or "hold")
{
    return await StoreModes.RunAsync(args);
}

if (args.Length < 3)
{
    await Console.Error.WriteLineAsync("Usage: OxideMirror.CrashHost <dbPath> <pages> <pageSize> [--seed N] [--strategy merge-json|last-write-wins] [--spin N]");
    return 2;
}

var path = args[0];
var pages = int.Parse(args[1], CultureInfo.InvariantCulture);
var pageSize = int.Parse(args[2], CultureInfo.InvariantCulture);
var seed = 1;
var spin = 0;
IConflictStrategy strategy = MergeJson.Instance;
for (var i = 3; i + 1 < args.Length; i += 2)
{
    var value = args[i + 1];
    switch (args[i])
    {
        case "--seed":
            seed = int.Parse(value, CultureInfo.InvariantCulture);
            break;
        case "--spin":
            spin = int.Parse(value, CultureInfo.InvariantCulture);
            break;
        case "--strategy":
            strategy = value switch
            {
                "merge-json" => MergeJson.Instance,
                "last-write-wins" => LastWriteWins.Instance,
                _ => throw new ArgumentException($"Unknown strategy '{value}'. Use merge-json or last-write-wins."),
            };
            break;
        default:
            throw new ArgumentException($"Unknown option '{args[i]}'.");
    }
}

if (spin > 0)
{
    strategy = new SlowStrategy(strategy, spin);
}

var output = Console.Out;
await using var store = await MirrorStore.OpenAsync(path);
var source = new GeneratedSource(seed, pages, pageSize);
var stored = await store.GetCursorAsync(source.Id);
await output.WriteLineAsync("opened " + (stored ?? "-"));
await output.FlushAsync();

var syncer = new Syncer(store, strategy);
var report = await syncer.SyncAsync(new ReportingSource(source, output));
await output.WriteLineAsync("committed " + report.FinalCursor);
await output.WriteLineAsync("done " + report.FinalCursor);
await output.FlushAsync();
return 0;
