using System.Diagnostics;
using System.Text;
using OxideMirror.Tests.Sync;

namespace OxideMirror.Tests.Storage;

/// <summary>
/// Runs <c>OxideMirror.CrashHost</c> in one of its store modes (<c>open</c>, <c>hold</c>; see its <c>StoreModes</c>) as a
/// child process, with its stdin for cues and its stdout read line by line.
/// </summary>
internal sealed class StoreHostProcess : IDisposable
{
    /// <summary>How long to wait for the child at most; a safety net, not an assertion on speed.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private readonly Process _process;
    private readonly StringBuilder _stderr;
    private readonly List<string> _lines = [];

    private StoreHostProcess(Process process, StringBuilder stderr)
    {
        _process = process;
        _stderr = stderr;
    }

    /// <summary>Gets every line the child wrote so far.</summary>
    public IReadOnlyList<string> Lines => _lines;

    public bool HasExited => _process.HasExited;

    public static StoreHostProcess Start(params string[] arguments)
    {
        var stderr = new StringBuilder();
        return new StoreHostProcess(ChildProcess.Start(CrashHostProcess.HostDll, arguments, redirectInput: true, stderr), stderr);
    }

    /// <summary>Reads the child's output until a line starts with <paramref name="prefix"/>, and returns it.</summary>
    public async Task<string> WaitForLineAsync(string prefix)
    {
        while (true)
        {
            using var timeout = new CancellationTokenSource(Patience);
            string? line;
            try
            {
                line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The store host said nothing for {Patience} while the test waited for '{prefix}'. {Describe()}");
            }

            if (line is null)
            {
                await _process.WaitForExitAsync();
                throw new InvalidOperationException($"The store host exited (code {_process.ExitCode}) before it said '{prefix}'. {Describe()}");
            }

            _lines.Add(line);
            if (line.StartsWith(prefix, StringComparison.Ordinal) || line.StartsWith("error ", StringComparison.Ordinal))
            {
                return line;
            }
        }
    }

    public async Task SendAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Waits for the child to exit, reads the rest of its output, and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        var rest = await _process.StandardOutput.ReadToEndAsync(timeout.Token);
        _lines.AddRange(rest.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>Describes what the child said, for failure messages.</summary>
    public string Describe()
    {
        string stderr;
        lock (_stderr)
        {
            stderr = _stderr.ToString();
        }

        return $"child output: [{string.Join(" | ", _lines)}]; stderr: [{stderr.Trim()}]";
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
