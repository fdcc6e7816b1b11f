using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

/// <summary>
/// A throwaway PostgreSQL cluster from the local server binaries, for when no server is named: <c>initdb</c> into a
/// temp folder, <c>pg_ctl start</c> on a free loopback port with a private socket directory, and on dispose
/// <c>pg_ctl stop</c> and the folder removed. PostgreSQL refuses to run as root, so as root every command runs as the
/// <c>postgres</c> user (the Debian package creates it) through <c>setpriv</c>, which needs no PAM session or password.
/// </summary>
internal sealed class LocalPostgres : IDisposable
{
    public const string InstallHint = "Install PostgreSQL (Debian/Ubuntu: apt-get install -y postgresql), or set OXIDEMIRROR_POSTGRES to a Npgsql connection string.";
    private readonly string _bin;
    private readonly string _root;
    private readonly string? _runAs;

    private LocalPostgres(string bin, string root, string? runAs)
    {
        _bin = bin;
        _root = root;
        _runAs = runAs;
    }

    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>Finds the folder that holds <c>initdb</c> and <c>pg_ctl</c>: <c>pg_config --bindir</c>, else the newest /usr/lib/postgresql/*/bin.</summary>
    public static string? FindBinaries()
    {
        var candidates = new List<string>();
        if (TryRun("pg_config", ["--bindir"]) is { } bindir)
        {
            candidates.Add(bindir);
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).Select(d => Path.Combine(d, "bin")));
        }

        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    public static LocalPostgres Start(string bin)
    {
        string? runAs = null;
        if (Environment.IsPrivilegedProcess)
        {
            var uid = TryRun("id", ["-u", "postgres"]) ?? throw new InvalidOperationException("This runs as root, which PostgreSQL refuses, and there is no 'postgres' user to run the server as. Run the sample as another user, or create the 'postgres' user.");
            runAs = $"{uid}:{TryRun("id", ["-g", "postgres"])}";
        }

        var root = Path.Combine("/tmp", "oxidemirror-sample-pg-" + Guid.NewGuid().ToString("N")[..8]);
        var server = new LocalPostgres(bin, root, runAs);
        Directory.CreateDirectory(Path.Combine(root, "sock"));
        if (runAs is not null)
        {
            server.Run("chown", ["-R", runAs, root], asServer: false);
        }

        server.Run(Path.Combine(bin, "initdb"), ["-D", Path.Combine(root, "data"), "-U", "mirror_owner", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"]);
        var port = FreePort();
        server.Run(Path.Combine(bin, "pg_ctl"), ["start", "-D", Path.Combine(root, "data"), "-l", Path.Combine(root, "server.log"), "-w", "-t", "60",
            "-o", $"-c listen_addresses=127.0.0.1 -p {port} -k {Path.Combine(root, "sock")} -c fsync=off"]);
        server.ConnectionString = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "mirror_owner", Database = "postgres" }.ConnectionString;
        return server;
    }

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            Run(Path.Combine(_bin, "pg_ctl"), ["stop", "-D", Path.Combine(_root, "data"), "-m", "fast", "-w"]);
        }
        catch (InvalidOperationException)
        {
            // Already stopped: the folder goes all the same.
        }

        Directory.Delete(_root, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? TryRun(string file, string[] arguments)
    {
        try
        {
            var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed
        }
    }

    private void Run(string file, string[] arguments, bool asServer = true)
    {
        var info = _runAs is { } user && asServer
            ? new ProcessStartInfo("setpriv", [$"--reuid={user.Split(':')[0]}", $"--regid={user.Split(':')[1]}", "--clear-groups", "--", file, .. arguments])
            : new ProcessStartInfo(file, arguments);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.WorkingDirectory = _root;
        info.Environment["HOME"] = _root;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            var log = Path.Combine(_root, "server.log");
            throw new InvalidOperationException($"{Path.GetFileName(file)} exited with {process.ExitCode}: {stderr}{stdout.Result}{(File.Exists(log) ? File.ReadAllText(log) : string.Empty)}");
        }
    }
}
