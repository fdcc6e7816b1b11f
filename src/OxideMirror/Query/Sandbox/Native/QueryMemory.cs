using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OxideMirror;

/// <summary>
/// SQLite's allocator for the whole process (installed by <see cref="SqliteSetup"/> before SQLite initializes), which
/// charges every allocation made on a thread running an agent query to that query's <see cref="QueryMemoryPool"/> and
/// refuses it once the pool is full, the query's deadline has passed or it was cancelled. SQLite then fails the statement
/// with SQLITE_NOMEM at that allocation, so no function, sort or snapshot can build more than the pool holds, however
/// it builds it: a refused allocation is never made.
/// </summary>
/// <remarks>
/// Each block carries a 16-byte header: the pool it was charged to (or none) and its size, so a block is credited back
/// to the pool that paid for it whichever thread frees it and whenever (a cached as-of snapshot is freed long after its
/// query). Allocations on other threads (the writer, the host's own SQLite use) are made unaccounted, at the cost of the
/// header and one unmanaged-to-managed call. SQLite runs a statement on the calling thread (worker threads are off on
/// the query connections), so the thread is the query.
/// </remarks>
internal static unsafe class QueryMemory
{
    private const int HeaderBytes = 16;

    [ThreadStatic]
    private static QueryMemoryPool.Account* t_account;

    [ThreadStatic]
    private static QueryGuard? t_guard;

    /// <summary>The sqlite3_mem_methods table handed to SQLite; it must outlive every connection, so it is never freed.</summary>
    public static Methods* Table { get; } = CreateTable();

    /// <summary>
    /// Charges the calling thread's SQLite allocations to <paramref name="pool"/> until the returned scope is disposed,
    /// and refuses them once <paramref name="guard"/> (when given) says the query must stop.
    /// </summary>
    public static Scope Enter(QueryMemoryPool pool, QueryGuard? guard)
    {
        var scope = new Scope(t_account, t_guard);
        t_account = pool.Native;
        t_guard = guard;
        return scope;
    }

    /// <summary>
    /// Makes a block of <paramref name="bytes"/> charged to the calling thread's pool, as SQLite would (for tests and for
    /// the in-memory temp files, which keep their pages in such blocks); null when the pool refuses.
    /// </summary>
    public static void* Allocate(long bytes) => bytes > int.MaxValue ? null : MallocCore((int)bytes);

    /// <summary>Frees a block made by <see cref="Allocate"/>, crediting the pool it was charged to.</summary>
    public static void Free(void* block) => FreeCore(block);

    private static Methods* CreateTable()
    {
        var table = (Methods*)NativeMemory.AllocZeroed((nuint)sizeof(Methods));
        table->Malloc = &Malloc;
        table->Free = &Release;
        table->Realloc = &Realloc;
        table->Size = &Size;
        table->Roundup = &Roundup;
        table->Init = &Init;
        table->Shutdown = &Shutdown;
        return table;
    }

    /// <summary>Charges <paramref name="bytes"/> to the thread's pool; false (and the pool marked) when it refuses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Charge(QueryMemoryPool.Account* account, long bytes)
    {
        if (t_guard is { } guard && guard.Exceeded())
        {
            return false;
        }

        if (Interlocked.Add(ref account->Used, bytes) > account->Limit)
        {
            Interlocked.Add(ref account->Used, -bytes);
            t_guard?.RefuseMemory();
            return false;
        }

        return true;
    }

    [UnmanagedCallersOnly]
    private static void* Malloc(int bytes) => MallocCore(bytes);

    [UnmanagedCallersOnly]
    private static void Release(void* block) => FreeCore(block);

    private static void* MallocCore(int bytes)
    {
        if (bytes < 0)
        {
            return null;
        }

        var account = t_account;
        if (account is not null && !Charge(account, bytes))
        {
            return null;
        }

        var header = (long*)NativeMemory.Alloc((nuint)bytes + HeaderBytes);
        if (header is null)
        {
            if (account is not null)
            {
                Interlocked.Add(ref account->Used, -bytes);
            }

            return null;
        }

        header[0] = (long)account;
        header[1] = bytes;
        return header + 2;
    }

    private static void FreeCore(void* block)
    {
        if (block is null)
        {
            return;
        }

        var header = (long*)block - 2;
        var account = (QueryMemoryPool.Account*)header[0];
        if (account is not null)
        {
            Interlocked.Add(ref account->Used, -header[1]);
        }

        NativeMemory.Free(header);
    }

    [UnmanagedCallersOnly]
    private static void* Realloc(void* block, int bytes)
    {
        if (bytes < 0)
        {
            return null;
        }

        if (block is null)
        {
            return MallocCore(bytes);
        }

        var header = (long*)block - 2;
        var owner = (QueryMemoryPool.Account*)header[0];
        var old = header[1];

        // A block made outside any query and grown inside one becomes the query's: it is charged whole.
        var current = t_account;
        var account = owner is not null ? owner : current;
        var charge = owner is not null ? bytes - old : bytes;
        if (account is not null && charge > 0)
        {
            if (account == current)
            {
                if (!Charge(account, charge))
                {
                    return null;
                }
            }
            else
            {
                Interlocked.Add(ref account->Used, charge);
            }
        }

        var moved = (long*)NativeMemory.Realloc(header, (nuint)bytes + HeaderBytes);
        if (moved is null)
        {
            if (account is not null && charge > 0)
            {
                Interlocked.Add(ref account->Used, -charge);
            }

            return null;
        }

        if (account is not null && charge < 0)
        {
            Interlocked.Add(ref account->Used, charge);
        }

        moved[0] = (long)account;
        moved[1] = bytes;
        return moved + 2;
    }

    [UnmanagedCallersOnly]
    private static int Size(void* block) => block is null ? 0 : (int)((long*)block - 2)[1];

    [UnmanagedCallersOnly]
    private static int Roundup(int bytes) => (bytes + 7) & ~7;

    [UnmanagedCallersOnly]
    private static int Init(void* appData) => 0;

    [UnmanagedCallersOnly]
    private static void Shutdown(void* appData)
    {
    }

    /// <summary>sqlite3.h's <c>sqlite3_mem_methods</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Methods
    {
        public delegate* unmanaged<int, void*> Malloc;
        public delegate* unmanaged<void*, void> Free;
        public delegate* unmanaged<void*, int, void*> Realloc;
        public delegate* unmanaged<void*, int> Size;
        public delegate* unmanaged<int, int> Roundup;
        public delegate* unmanaged<void*, int> Init;
        public delegate* unmanaged<void*, void> Shutdown;
        public void* AppData;
    }

    /// <summary>Restores the thread's previous pool and guard.</summary>
    internal readonly struct Scope : IDisposable
    {
        private readonly QueryMemoryPool.Account* _account;
        private readonly QueryGuard? _guard;

        internal Scope(QueryMemoryPool.Account* account, QueryGuard? guard)
        {
            _account = account;
            _guard = guard;
        }

        public void Dispose()
        {
            t_account = _account;
            t_guard = _guard;
        }
    }
}
