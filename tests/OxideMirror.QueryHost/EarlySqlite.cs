using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace OxideMirror.QueryHost;

/// <summary>Opens a plain SQLite connection, which initializes SQLite before OxideMirror's assembly has run any code.</summary>
internal static class EarlySqlite
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Open()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
    }
}
