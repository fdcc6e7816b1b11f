using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace OxideMirror;

/// <summary>Ends the writer's transactions so that a failure never leaves the connection unable to begin the next one.</summary>
internal static class Transactions
{
    /// <summary>
    /// Ends a transaction: nothing to do after a commit; otherwise it is rolled back, whatever state the failure left it in.
    /// </summary>
    /// <remarks>
    /// A COMMIT that fails for lack of space (or an I/O error) rolls the transaction back inside SQLite, but
    /// Microsoft.Data.Sqlite stops watching for that just before it commits, still counts the transaction open, and its
    /// ROLLBACK then fails ("no transaction is active"), leaving the connection refusing every later transaction. An empty
    /// transaction begun underneath gives that ROLLBACK something to end, so the connection is usable again.
    /// </remarks>
    public static void End(SqliteConnection connection, SqliteTransaction transaction)
    {
        try
        {
            transaction.Dispose();
        }
        catch (SqliteException) when (raw.sqlite3_get_autocommit(connection.Handle) != 0)
        {
            raw.sqlite3_exec(connection.Handle, "BEGIN");
            transaction.Dispose();
        }
    }
}
