using System.Diagnostics;

namespace OxideMirror.PostgreSql.Tests;

/// <summary>
/// Finds the local PostgreSQL server binaries (<c>initdb</c>, <c>pg_ctl</c>): <c>OXIDEMIRROR_PG_BINDIR</c>, else
/// <c>pg_config --bindir</c>, else the newest <c>/usr/lib/postgresql/*/bin</c> (Debian puts them there, off the PATH).
/// Says why the PostgreSQL tests skip when there are none, and whether they may skip at all.
/// </summary>
internal static class PostgresBinaries
{
    /// <summary>The environment variable that makes a missing server a failure instead of a skip (CI sets it).</summary>
    public const string RequireVariable = "OXIDEMIRROR_REQUIRE_POSTGRES";

    public const string InstallHint = "Install PostgreSQL to run them (Debian/Ubuntu: sudo apt-get install -y postgresql; macOS: brew install postgresql), or set OXIDEMIRROR_PG_BINDIR to the folder holding initdb and pg_ctl.";

    private static readonly Lazy<string?> Found = new(Find);

    /// <summary>Gets the folder holding <c>initdb</c> and <c>pg_ctl</c>, or null when there is none.</summary>
    public static string? BinDir => Found.Value;

    /// <summary>Gets whether a missing server must fail the tests (<c>OXIDEMIRROR_REQUIRE_POSTGRES=1</c>).</summary>
    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) is "1" or "true";

    /// <summary>Gets why the PostgreSQL tests skip, or null when they run (binaries found, or a server is required).</summary>
    public static string? SkipReason => BinDir is null && !Required
        ? "No PostgreSQL server binaries (initdb, pg_ctl) were found on this machine. " + InstallHint
        : null;

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("OXIDEMIRROR_PG_BINDIR") is { Length: > 0 } configured)
        {
            return HasServer(configured) ? configured : null;
        }

        try
        {
            var info = new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(info);
            if (process is not null)
            {
                var output = process.StandardOutput.ReadToEnd().Trim();
                process.WaitForExit();
                if (process.ExitCode == 0 && HasServer(output))
                {
                    return output;
                }
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No pg_config on the PATH: look where the distribution packages put the server.
        }

        const string debian = "/usr/lib/postgresql";
        if (!Directory.Exists(debian))
        {
            return null;
        }

        return Directory.GetDirectories(debian)
            .Select(d => (Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1, Bin: Path.Combine(d, "bin")))
            .Where(d => d.Version >= 0 && HasServer(d.Bin))
            .OrderByDescending(d => d.Version)
            .Select(d => d.Bin)
            .FirstOrDefault();
    }

    private static bool HasServer(string dir) =>
        File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")) && File.Exists(Path.Combine(dir, "postgres"));
}
