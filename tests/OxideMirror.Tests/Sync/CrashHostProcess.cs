using System.Diagnostics;
using System.Text;
using OxideMirror.CrashHost;

namespace OxideMirror.Tests.Sync;

/// <summary>
/// Runs <c>OxideMirror.CrashHost</c> as a child process (<c>dotnet OxideMirror.CrashHost.dll …</c>), reads the pages it
/// reports as committed, and kills it (SIGKILL, the whole process tree) when the test says so.
/// </summary>
internal sealed class CrashHostProcess : IDisposable
{
    /// <summary>How long to wait for the child at most before giving up; a safety net, not an assertion on speed.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private readonly Process _process;
    private readonly StringBuilder _stderr;
    private readonly List<string> _lines = [];

    private CrashHostProcess(Process process, StringBuilder stderr)
    {
        _process = process;
        _stderr = stderr;
    }

    /// <summary>Gets the pages the child reported as committed so far (0 before any).</summary>
    public int LastCommittedPages { get; private set; }

    /// <summary>Gets whether the child reported that its sync finished.</summary>
    public bool Finished { get; private set; }

    /// <summary>Gets the exit code once the child has exited.</summary>
    public int ExitCode => _process.ExitCode;

    public static string HostDll => Path.Combine(AppContext.BaseDirectory, "OxideMirror.CrashHost.dll");

    public static CrashHostProcess Start(string dbPath, GeneratedSource source, params string[] options)
    {
        string[] arguments =
        [
            dbPath,
            source.Pages.ToString(System.Globalization.CultureInfo.InvariantCulture),
            source.PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--seed",
            source.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. options,
        ];
        var stderr = new StringBuilder();
        return new CrashHostProcess(ChildProcess.Start(HostDll, arguments, redirectInput: false, stderr), stderr);
    }

    /// <summary>Reads the child's output until it reports at least <paramref name="pages"/> committed pages.</summary>
    /// <returns>The number of committed pages it reported.</returns>
    public async Task<int> WaitForCommittedAsync(int pages)
    {
        while (LastCommittedPages < pages)
        {
            await ReadLineOrFailAsync();
        }

        return LastCommittedPages;
    }

    /// <summary>Reads the child's output until it reports that the store is open.</summary>
    public async Task WaitForOpenedAsync()
    {
        while (!_lines.Exists(l => l.StartsWith("opened ", StringComparison.Ordinal)))
        {
            await ReadLineOrFailAsync();
        }
    }

    /// <summary>Gets the last line the child wrote before it died (after <see cref="KillAsync"/>), or null.</summary>
    public string? LastLine => _lines.Count > 0 ? _lines[^1] : null;

    /// <summary>
    /// Kills the child and its process tree with SIGKILL, waits until it is gone, then reads what it wrote before it
    /// died, so that <see cref="LastCommittedPages"/> and <see cref="LastLine"/> tell where the kill landed.
    /// </summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(Patience);
        await _process.WaitForExitAsync(timeout.Token);
        var rest = await _process.StandardOutput.ReadToEndAsync(timeout.Token);
        foreach (var line in rest.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Record(line);
        }
    }

    /// <summary>Describes what the child said, for failure messages.</summary>
    public string Describe()
    {
        string stderr;
        lock (_stderr)
        {
            stderr = _stderr.ToString();
        }

        var tail = string.Join(" | ", _lines.TakeLast(5));
        return $"child output (last lines): [{tail}]; stderr: [{stderr.Trim()}]";
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

    private async Task ReadLineOrFailAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        string? line;
        try
        {
            line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The crash host said nothing for {Patience}. {Describe()}");
        }

        if (line is null)
        {
            await _process.WaitForExitAsync();
            throw new InvalidOperationException($"The crash host exited (code {_process.ExitCode}) before the kill point. {Describe()}");
        }

        Record(line);
    }

    private void Record(string line)
    {
        _lines.Add(line);
        if (line.StartsWith("committed ", StringComparison.Ordinal))
        {
            LastCommittedPages = Math.Max(LastCommittedPages, GeneratedSource.PagesBefore(line["committed ".Length..]));
        }
        else if (line.StartsWith("done ", StringComparison.Ordinal))
        {
            Finished = true;
        }
    }
}
