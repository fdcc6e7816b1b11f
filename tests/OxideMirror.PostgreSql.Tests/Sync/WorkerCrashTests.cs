using System.Diagnostics;
using System.Text;
using OxideMirror.PostgreSql.Worker;

namespace OxideMirror.PostgreSql.Tests;

/// <summary>A worker process killed (kill -9) inside a page: nothing of that page survives, its lock goes, and a resumed sync ends where an uninterrupted one does.</summary>
[Collection(PostgresTests.Name)]
public sealed class WorkerCrashTests(PostgresServer server)
{
    private const string Source = "shop";

    [PostgresFact]
    public async Task Worker_KilledInsideAPage_LosesOnlyThatPage_ReleasesItsLock_AndResumesToTheSameState()
    {
        var crashed = await server.CreateDatabaseAsync();
        await using var store = await PostgresMirrorStore.OpenAsync(crashed);

        using (var worker = Start(crashed, first: 1, last: 6, stall: 4, out var output, out var stderr))
        {
            await WaitForAsync(output, "inside 4", worker, stderr);
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync();
        }

        (await store.GetCursorAsync(Source)).Should().Be(GeneratedPages.Cursor(3));
        (await Mirrors.CountAsync(crashed, "mirror_events")).Should().Be(3 * GeneratedPages.DeltasPerPage, "page 4's first deltas were written inside its transaction, which died with the worker");

        // The dead worker's lock goes when the server sees its connection close.
        PostgresSourceLease? lease = null;
        for (var attempt = 0; lease is null; attempt++)
        {
            try
            {
                lease = await store.LockSourceAsync(Source);
            }
            catch (SourceLockedException) when (attempt < 100)
            {
                await Task.Delay(100);
            }
        }

        await lease.DisposeAsync();
        using (var resumed = Start(crashed, first: 4, last: 6, stall: 0, out var output, out var stderr))
        {
            await WaitForAsync(output, "done", resumed, stderr);
            await resumed.WaitForExitAsync();
            resumed.ExitCode.Should().Be(0);
        }

        var uninterrupted = await server.CreateDatabaseAsync();
        await using (var reference = await PostgresMirrorStore.OpenAsync(uninterrupted))
        await using (var referenceLease = await reference.LockSourceAsync(Source))
        {
            for (var page = 1; page <= 6; page++)
            {
                await referenceLease.ApplyPageAsync(GeneratedPages.Page(Source, page), LastWriteWins.Instance, new CursorUpdate(Source, GeneratedPages.Cursor(page)));
            }
        }

        foreach (var sql in new[]
        {
            "SELECT string_agg(record_id || ':' || coalesce(payload::text, '-') || ':' || version || ':' || (deleted_at IS NULL), ';' ORDER BY record_id) FROM oxidemirror.mirror_records",
            "SELECT string_agg(record_id || ':' || op || ':' || decision || ':' || version || ':' || delta_id, ';' ORDER BY seq) FROM oxidemirror.mirror_events",
            "SELECT string_agg(record_id || ':' || n || ':' || page || ':' || even || ':' || _version, ';' ORDER BY record_id) FROM oxidemirror.items",
            "SELECT string_agg(source || ':' || cursor, ';') FROM oxidemirror.mirror_cursors",
        })
        {
            (await Mirrors.ScalarAsync(crashed, sql)).Should().Be(await Mirrors.ScalarAsync(uninterrupted, sql), sql);
        }
    }

    private static Process Start(string connectionString, int first, int last, int stall, out Queue<string> output, out StringBuilder stderr)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "OxideMirror.PostgreSql.Worker.dll");
        var info = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { dll, connectionString, Source, first.ToString(System.Globalization.CultureInfo.InvariantCulture), last.ToString(System.Globalization.CultureInfo.InvariantCulture), stall.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        var lines = new Queue<string>();
        var errors = new StringBuilder();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (lines)
                {
                    lines.Enqueue(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (errors)
                {
                    errors.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        output = lines;
        stderr = errors;
        return process;
    }

    private static async Task WaitForAsync(Queue<string> output, string line, Process process, StringBuilder stderr)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            lock (output)
            {
                if (output.Contains(line))
                {
                    return;
                }
            }

            if (process.HasExited)
            {
                // The output may still be on its way: waiting for the exit also waits for the redirected streams' end.
                await process.WaitForExitAsync();
                lock (output)
                {
                    if (output.Contains(line))
                    {
                        return;
                    }
                }

                break;
            }

            await Task.Delay(20);
        }

        string seen;
        lock (output)
        {
            seen = string.Join(" | ", output);
        }

        lock (stderr)
        {
            throw new InvalidOperationException($"The worker never printed '{line}' (exited: {process.HasExited}). Output: {seen}. Errors: {stderr}");
        }
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";
}
