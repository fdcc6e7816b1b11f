using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace OxideMirror.Tests.Query;

/// <summary>
/// One populated file store shared by the hostile query corpus, with what the corpus checks after every query: a
/// fingerprint of the whole database read through a separate plain read-only connection, and the files that exist
/// where a query could create one.
/// </summary>
public sealed class HostileStoreFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new();

    /// <summary>Gets the store's short query time limit, so that bombs finish fast.</summary>
    public static TimeSpan QueryTimeout { get; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Gets a marker that every file name a hostile query tries to create contains.</summary>
    public string Token { get; } = "hostile-" + Guid.NewGuid().ToString("N")[..12];

    public string Directory => _directory.Path;

    public MirrorStore Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Store = await TwoServiceMirror.OpenAsync(_directory.File(), new MirrorStoreOptions { QueryTimeout = QueryTimeout });
        await Store.CreateSearchIndexAsync("customers", ["name", "tier", "country"]);
    }

    public async Task DisposeAsync() => await Store.DisposeAsync();

    public void Dispose() => _directory.Dispose();

    /// <summary>Replaces the corpus's placeholders with this fixture's folder and marker.</summary>
    public string Resolve(string sql) => sql.Replace("{dir}", Directory, StringComparison.Ordinal).Replace("{token}", Token, StringComparison.Ordinal);

    /// <summary>
    /// Reads every table in sqlite_schema (mirror tables, resource tables, anything a query might have created),
    /// sqlite_schema itself, and the journal mode, user version and schema version, through a separate read-only
    /// Microsoft.Data.Sqlite connection to the file, and hashes it all.
    /// </summary>
    public string Fingerprint()
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = Store.Path, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        using var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        var dump = new StringBuilder();
        foreach (var pragma in new[] { "journal_mode", "user_version", "schema_version", "application_id", "page_size", "auto_vacuum" })
        {
            dump.Append(pragma).Append('=').Append(Scalar(connection, $"PRAGMA {pragma}")).Append('\n');
        }

        var tables = new List<string>();
        foreach (var row in Rows(connection, "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name"))
        {
            dump.Append("schema: ").Append(row).Append('\n');
        }

        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        foreach (var table in tables)
        {
            var rows = Rows(connection, $"SELECT * FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"");
            rows.Sort(StringComparer.Ordinal);
            dump.Append("table ").Append(table).Append(' ').Append(rows.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            foreach (var row in rows)
            {
                dump.Append(row).Append('\n');
            }
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(dump.ToString())));
    }

    /// <summary>
    /// Lists the files a hostile query could have created: everything in the store's folder and in the process's
    /// current directory, and, in the shared temp folder (where other processes come and go), the entries that carry
    /// this corpus's marker or SQLite's temp-file prefix.
    /// </summary>
    public IReadOnlyList<string> Files()
    {
        var files = new List<string>();
        files.AddRange(System.IO.Directory.EnumerateFileSystemEntries(Directory).Select(f => "store: " + System.IO.Path.GetFileName(f)));
        files.AddRange(System.IO.Directory.EnumerateFileSystemEntries(Environment.CurrentDirectory).Select(f => "cwd: " + System.IO.Path.GetFileName(f)));
        files.AddRange(System.IO.Directory.EnumerateFileSystemEntries(System.IO.Path.GetTempPath())
            .Select(System.IO.Path.GetFileName)
            .Where(f => f is not null && (f.Contains(Token, StringComparison.Ordinal) || f.StartsWith("etilqs", StringComparison.Ordinal)))
            .Select(f => "temp: " + f));
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    private static string Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "NULL";
    }

    private static List<string> Rows(SqliteConnection connection, string sql)
    {
        var rows = new List<string>();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var values = new string[reader.FieldCount];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = reader.IsDBNull(i)
                    ? "NULL"
                    : reader.GetValue(i) switch
                    {
                        byte[] b => "x'" + Convert.ToHexString(b) + "'",
                        IFormattable f => reader.GetDataTypeName(i) + ":" + f.ToString(null, CultureInfo.InvariantCulture),
                        var v => reader.GetDataTypeName(i) + ":" + v,
                    };
            }

            rows.Add(string.Join('|', values));
        }

        return rows;
    }
}
