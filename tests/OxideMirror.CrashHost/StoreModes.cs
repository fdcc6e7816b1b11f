using System.Globalization;

namespace OxideMirror.CrashHost;

/// <summary>
/// The host's other modes, for the tests of opening and locking a file from several processes. Each reports on stdout,
/// one flushed line each, and takes its cue from a line on stdin:
/// <list type="bullet">
/// <item><c>open &lt;dbPath&gt; &lt;recordId&gt;</c>: warms up, says <c>ready</c>, waits for <c>go</c>, then opens the
/// mirror at dbPath (with one user migration), applies one record with that id, says <c>opened &lt;schemaVersion&gt;</c>
/// and exits 0; any failure is written as <c>error &lt;type&gt;: &lt;message&gt;</c> and exits 1.</item>
/// <item><c>hold &lt;dbPath&gt; &lt;maxMs&gt;</c>: opens the mirror and syncs one page whose decision blocks inside the
/// write transaction, saying <c>holding</c>, until it reads <c>release</c> or maxMs pass; then says <c>released</c>.</item>
/// </list>
/// </summary>
public static class StoreModes
{
    /// <summary>Gets the user migration every process of the <c>open</c> mode registers.</summary>
    public static readonly UserMigration NotesMigration = new(1, "create_agent_notes", "CREATE TABLE agent_notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL)");

    /// <summary>Runs the mode <c>args[0]</c> names, and returns the process's exit code.</summary>
    /// <param name="args">The mode and its arguments.</param>
    /// <returns>0 when the mode did what it says, 1 when it failed (the failure is on stdout).</returns>
    public static async Task<int> RunAsync(string[] args)
    {
        var output = Console.Out;
        try
        {
            return args[0] switch
            {
                "open" => await OpenAsync(args[1], args[2], output).ConfigureAwait(false),
                "hold" => await HoldAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), output).ConfigureAwait(false),
                _ => throw new ArgumentException($"Unknown mode '{args[0]}'."),
            };
        }
        catch (Exception ex)
        {
            var sqlite = ex as Microsoft.Data.Sqlite.SqliteException ?? ex.InnerException as Microsoft.Data.Sqlite.SqliteException;
            var code = sqlite is null ? string.Empty : $" (SQLite error {sqlite.SqliteExtendedErrorCode})";
            await SayAsync(output, $"error {ex.GetType().FullName}{code}: {ex.Message.ReplaceLineEndings(" ")} {(ex.InnerException ?? ex).StackTrace?.ReplaceLineEndings(" <- ")}").ConfigureAwait(false);
            return 1;
        }
    }

    private static async Task<int> OpenAsync(string path, string recordId, TextWriter output)
    {
        // Run the open path once beforehand, so that after "go" every process opens at once rather than in JIT order.
        var warmUp = Path.Combine(Path.GetTempPath(), "oxidemirror-warmup-" + Guid.NewGuid().ToString("N") + ".db");
        await using (var store = await MirrorStore.OpenAsync(warmUp, Options()).ConfigureAwait(false))
        {
            await store.ApplyAsync(Record("warm-up"), LastWriteWins.Instance).ConfigureAwait(false);
        }

        foreach (var file in new[] { warmUp, warmUp + "-wal", warmUp + "-shm" })
        {
            File.Delete(file);
        }

        await SayAsync(output, "ready").ConfigureAwait(false);
        if (await Console.In.ReadLineAsync().ConfigureAwait(false) != "go")
        {
            return 2;
        }

        await using (var store = await MirrorStore.OpenAsync(path, Options()).ConfigureAwait(false))
        {
            await store.ApplyAsync(Record(recordId), LastWriteWins.Instance).ConfigureAwait(false);
            await SayAsync(output, "opened " + store.SchemaVersion.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task<int> HoldAsync(string path, int maxMs, TextWriter output)
    {
        await using var store = await MirrorStore.OpenAsync(path).ConfigureAwait(false);
        using var release = new ManualResetEventSlim();
        var reading = Task.Run(async () =>
        {
            while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line == "release")
                {
                    break;
                }
            }

            release.Set();
        });

        var strategy = new BlockingStrategy(() =>
        {
            SayAsync(output, "holding").GetAwaiter().GetResult();
            release.Wait(maxMs);
        });
        await new Syncer(store, strategy).SyncAsync(StaticSource.FromDeltas("holder", [Record("held")])).ConfigureAwait(false);
        await SayAsync(output, "released").ConfigureAwait(false);
        return 0;
    }

    private static MirrorStoreOptions Options() => new() { Migrations = [NotesMigration] };

    private static Delta Record(string id) => Delta.Upsert("customers", id, new { name = "Customer " + id }, "holder");

    private static async Task SayAsync(TextWriter output, string line)
    {
        await output.WriteLineAsync(line).ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Decides like last-write-wins, but runs <paramref name="block"/> on the first decision, inside the write transaction.</summary>
    private sealed class BlockingStrategy(Action block) : IConflictStrategy
    {
        private int _decisions;

        public string Label => LastWriteWins.Instance.Label;

        public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming)
        {
            if (Interlocked.Increment(ref _decisions) == 1)
            {
                block();
            }

            return LastWriteWins.Instance.Resolve(existing, incoming);
        }
    }
}
