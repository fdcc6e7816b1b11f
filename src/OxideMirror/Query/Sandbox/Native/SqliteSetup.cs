using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using SQLitePCL;

namespace OxideMirror;

/// <summary>
/// Prepares SQLite in this process for agent queries, once: installs <see cref="QueryMemory"/> as SQLite's allocator
/// (possible only before SQLite initializes, so it runs when this assembly loads), initializes SQLite, and registers the
/// <see cref="TempFileVfs"/> wrappers. The wrappers are registered in any case; without the allocator agent queries are
/// refused (<see cref="EnsureBounded"/>), since nothing else bounds their memory by construction.
/// </summary>
internal static unsafe class SqliteSetup
{
    private const int ConfigMalloc = 4;
    private static readonly Lock Gate = new();
    private static bool s_prepared;

    /// <summary>Gets why the allocator could not be installed, or null when it is.</summary>
    public static string? Problem { get; private set; } = "SQLite has not been prepared yet.";

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "SQLite takes an allocator only before it initializes: the earliest moment this library can run is the right one.")]
    internal static void OnLoad()
    {
        try
        {
            Prepare();
        }
        catch (MirrorException)
        {
            // Reported again, with the reason, by the first store that needs it.
        }
    }

    /// <summary>Runs the set-up if it has not run; idempotent and thread-safe.</summary>
    /// <exception cref="MirrorException">The query connections' VFS cannot be registered.</exception>
    public static void Prepare()
    {
        lock (Gate)
        {
            if (s_prepared)
            {
                return;
            }

            Batteries_V2.Init();
            Problem = InstallAllocator();
            var rc = NativeMethods.Initialize();
            if (rc != raw.SQLITE_OK)
            {
                throw new MirrorException($"SQLite could not be initialized (SQLite error {rc}).");
            }

            TempFileVfs.Register();
            if (Problem is null)
            {
                Problem = Verify();
            }

            s_prepared = true;
        }
    }

    /// <summary>Throws when agent queries cannot be bounded in this process.</summary>
    /// <exception cref="QueryException">The allocator is not installed; the message says why and what to do.</exception>
    public static void EnsureBounded()
    {
        if (Problem is { } problem)
        {
            throw new QueryException(
                $"Agent queries are refused in this process: {problem} Without OxideMirror's allocator nothing bounds a query's memory. Call MirrorStore.InitializeSqlite() first thing in Main, before any code opens a SQLite connection.");
        }
    }

    private static string? InstallAllocator()
    {
        try
        {
            var rc = NativeMethods.Config(ConfigMalloc, QueryMemory.Table);
            return rc switch
            {
                raw.SQLITE_OK => null,
                raw.SQLITE_MISUSE => "SQLite was already initialized by other code (a SQLite connection was opened before OxideMirror was first used), and it takes an allocator only before that.",
                _ => $"SQLite refused OxideMirror's allocator (SQLite error {rc}).",
            };
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return $"the SQLite library e_sqlite3 could not be called directly ({ex.Message}).";
        }
    }

    /// <summary>Checks that the library SQLitePCLRaw calls allocates through <see cref="QueryMemory"/> (it is the same library).</summary>
    private static string? Verify()
    {
        using var probe = new QueryMemoryPool(long.MaxValue);
        long charged;
        using (QueryMemory.Enter(probe, null))
        {
            var rc = raw.sqlite3_open(":memory:", out var db);
            charged = probe.Used;
            db?.Dispose();
            if (rc != raw.SQLITE_OK)
            {
                return $"a probe connection could not be opened (SQLite error {rc}).";
            }
        }

        return charged > 0
            ? null
            : "the SQLite library Microsoft.Data.Sqlite uses is not e_sqlite3 (the app replaced SQLitePCLRaw's provider), so OxideMirror's allocator does not see its allocations.";
    }
}
