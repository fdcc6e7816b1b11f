using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace OxideMirror.PostgreSql.Tests;

/// <summary>
/// A throwaway PostgreSQL cluster for the tests: <c>initdb</c> into a fresh temp folder, <c>pg_ctl start</c> on a free
/// loopback port with a private unix-socket directory, and on dispose <c>pg_ctl stop</c> and the folder removed. Each
/// test takes its own database from it (<see cref="CreateDatabaseAsync"/>).
/// </summary>
/// <remarks>
/// PostgreSQL refuses to run as root, and CI runs the tests as root. Then the cluster is run by an unprivileged user:
/// the <c>postgres</c> system user the Debian package creates, or else a system user <c>oxidemirror-pg</c> created here
/// (<c>useradd --system</c>), with the temp folder chowned to it. Commands run through <c>setpriv</c> (util-linux)
/// rather than <c>su</c>/<c>runuser</c>: setpriv only changes the uid, gid and groups of the process it starts, needs
/// no PAM session, login shell or password, and so works the same in containers and on CI runners.
/// </remarks>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string Superuser = "mirror_admin";
    private string? _root;
    private string? _data;
    private (string Uid, string Gid)? _runAs;
    private int _databases;

    /// <summary>Gets the superuser connection string of the cluster's <c>postgres</c> database.</summary>
    public string AdminConnectionString { get; private set; } = string.Empty;

    /// <summary>Gets the port the server listens on.</summary>
    public int Port { get; private set; }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var bin = PostgresBinaries.BinDir;
        if (bin is null)
        {
            if (PostgresBinaries.Required)
            {
                throw new InvalidOperationException(
                    $"{PostgresBinaries.RequireVariable}=1 is set but no PostgreSQL server binaries (initdb, pg_ctl) were found. {PostgresBinaries.InstallHint}");
            }

            return; // Every test is skipped (PostgresFactAttribute).
        }

        _runAs = Environment.IsPrivilegedProcess ? UnprivilegedUser() : null;
        var tempBase = _runAs is null ? Path.GetTempPath() : "/tmp"; // the server's user must be able to reach the folder
        RemoveAbandonedClusters(tempBase);
        _root = Path.Combine(tempBase, "oxidemirror-pg-" + Guid.NewGuid().ToString("N")[..12]);
        _data = Path.Combine(_root, "data");
        var sockets = Path.Combine(_root, "sock");
        Directory.CreateDirectory(sockets);
        if (_runAs is { } user)
        {
            Run("chown", ["-R", $"{user.Uid}:{user.Gid}", _root], asServerUser: false);
        }

        Run(Path.Combine(bin, "initdb"), ["-D", _data, "-U", Superuser, "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"]);

        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            var options = string.Create(CultureInfo.InvariantCulture,
                $"-c listen_addresses=127.0.0.1 -p {Port} -k {sockets} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100");
            try
            {
                Run(Path.Combine(bin, "pg_ctl"), ["start", "-D", _data, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "-o", options]);
                break;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Another process took the port between FreePort and the server's bind: try another one.
            }
        }

        AdminConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = Superuser,
            Database = "postgres",
            Pooling = false,
        }.ConnectionString;

        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
    }

    /// <summary>Creates an empty database for one test and returns its superuser connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var number = Interlocked.Increment(ref _databases);
        var name = string.Create(CultureInfo.InvariantCulture, $"t{number}_{Guid.NewGuid():N}")[..20];
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_data is not null && PostgresBinaries.BinDir is { } bin && Directory.Exists(_data))
        {
            try
            {
                Run(Path.Combine(bin, "pg_ctl"), ["stop", "-D", _data, "-m", "immediate", "-w"]);
            }
            catch (InvalidOperationException)
            {
                // Already stopped; the folder goes all the same.
            }
        }

        if (_root is not null && Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Removes the folders of clusters a killed test run left behind: those whose postmaster is no longer running (a
    /// cluster still running belongs to a test run going on now, and is left alone).
    /// </summary>
    private static void RemoveAbandonedClusters(string tempBase)
    {
        foreach (var folder in Directory.GetDirectories(tempBase, "oxidemirror-pg-*"))
        {
            var pidFile = Path.Combine(folder, "data", "postmaster.pid");
            try
            {
                if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && IsRunning(pid))
                {
                    continue;
                }

                if (Directory.GetLastWriteTimeUtc(folder) < DateTime.UtcNow.AddMinutes(-10))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
            catch (IOException)
            {
                // Another run is removing it too.
            }
            catch (UnauthorizedAccessException)
            {
                // Another user's folder.
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Finds (or creates) the unprivileged user to run the cluster as, for a test run as root.</summary>
    private static (string Uid, string Gid) UnprivilegedUser()
    {
        foreach (var name in new[] { "postgres", "oxidemirror-pg" })
        {
            if (TryRun("id", ["-u", name]) is { } uid && TryRun("id", ["-g", name]) is { } gid)
            {
                return (uid, gid);
            }
        }

        if (TryRun("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "oxidemirror-pg"]) is null)
        {
            throw new InvalidOperationException("The tests run as root, which PostgreSQL refuses, and there is neither a 'postgres' user nor a way to create the 'oxidemirror-pg' system user (useradd failed). Run the tests as an unprivileged user, or create one of those users.");
        }

        return (TryRun("id", ["-u", "oxidemirror-pg"])!, TryRun("id", ["-g", "oxidemirror-pg"])!);
    }

    private static string? TryRun(string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : null;
    }

    private void Run(string file, string[] arguments, bool asServerUser = true)
    {
        ProcessStartInfo info;
        if (asServerUser && _runAs is { } user)
        {
            info = new ProcessStartInfo("setpriv");
            foreach (var a in new[] { $"--reuid={user.Uid}", $"--regid={user.Gid}", "--clear-groups", "--", file })
            {
                info.ArgumentList.Add(a);
            }

            info.Environment["HOME"] = _root;
        }
        else
        {
            info = new ProcessStartInfo(file);
        }

        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.WorkingDirectory = _root ?? "/";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            var log = _root is not null && File.Exists(Path.Combine(_root, "server.log")) ? File.ReadAllText(Path.Combine(_root, "server.log")) : string.Empty;
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {stderr} {stdout.Result} {log}");
        }
    }
}

/// <summary>The test collection that shares one <see cref="PostgresServer"/>.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresTests : ICollectionFixture<PostgresServer>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "postgres";
}
