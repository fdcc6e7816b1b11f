namespace OxideMirror;

public sealed partial class MirrorStore
{
    /// <summary>
    /// Prepares SQLite in this process for agent queries: installs the allocator that charges each query's memory to its
    /// store and refuses it past <see cref="MirrorStoreOptions.QueryMemoryBudget"/>, and the VFS that keeps queries'
    /// temporary files in that memory. It runs by itself when OxideMirror is first used; call it first thing in
    /// <c>Main</c> only when the app opens other SQLite connections before it touches OxideMirror, because SQLite takes
    /// an allocator only before its first connection. Safe to call more than once, from any thread.
    /// </summary>
    /// <exception cref="MirrorException">SQLite was already initialized in this process by other code (the message says how to order start-up), or its library cannot be called.</exception>
    public static void InitializeSqlite()
    {
        SqliteSetup.Prepare();
        if (SqliteSetup.Problem is { } problem)
        {
            throw new MirrorException($"OxideMirror could not prepare SQLite for agent queries: {problem} Call MirrorStore.InitializeSqlite() before any code opens a SQLite connection; until then agent queries are refused.");
        }
    }
}
