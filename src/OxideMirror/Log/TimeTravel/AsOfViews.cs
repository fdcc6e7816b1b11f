using System.Text;
using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// The mirror as of a moment, as temporary views over the live tables and their history (no copy), made once per query
/// connection and schema and pointed at each query's moment through a function of the connection
/// (<see cref="MomentFunction"/>, which returns the moment of the views the connection holds): one view per resource
/// table, under the table's own name, and one named <c>mirror_records</c>. SQLite resolves an unqualified name in
/// <c>temp</c> ahead of <c>main</c>, so the agent's SQL reads them in place of the live tables. Each version of a record is
/// current from its <c>last_synced_at</c> (<c>_synced_at</c>) until the applied time of the event that replaced it
/// (<c>replaced_at</c> in the history; the live row has not been replaced).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="AsOfMode.Applied"/> is a pure filter: live rows applied at or before the moment, and history rows
/// applied at or before it and replaced after it. Applied times never go back (the write path holds them), so this is
/// "the state after the last change applied at or before the moment", and the history rows replaced after the moment are
/// a tail of each history table in log order, which is all a view reads of it.</item>
/// <item><see cref="AsOfMode.Occurred"/> cannot be a filter on one version's own times (the version that occurred latest
/// at or before the moment wins, whenever it was applied): each record's versions that occurred at or before the moment
/// are ranked (event time, then log order: the live row is the record's newest) in a view over live and history rows of
/// <c>mirror_records</c>, and each resource view keeps the rows of the winning versions. Its cost follows the number of
/// versions, not of records.</item>
/// </list>
/// Setting a moment is an assignment (<see cref="AsOfViewSet.Moment"/>), not a statement, and a statement prepared
/// through the views stays valid at every moment, so a connection can keep it (<see cref="ReaderPool.Reader"/>).
/// </remarks>
internal static class AsOfViews
{
    /// <summary>
    /// The name of the connection's function that returns the moment of the as-of views it holds (a store timestamp), or
    /// NULL when it holds none (a view then shows no row). The guard lets only the views call it.
    /// </summary>
    public const string MomentFunction = "mirror_asof_moment";

    private const string RecordColumns = "resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version, deleted_at";
    private const string Moment = MomentFunction + "()";

    /// <summary>
    /// The log position of the first version replaced after the moment (one seek in <c>mirror_records_history</c>'s index
    /// on <c>replaced_at</c>; applied times follow log order), or NULL when none was. A history table's rows before it were
    /// all replaced at or before the moment, so a view reads the history from there: an as-of query reads the changes
    /// made after its moment, not the whole history. The unary <c>+</c> on the views' own <c>replaced_at</c> test keeps
    /// SQLite from reading the history through that index instead.
    /// </summary>
    private const string FirstReplacedAfter = "(SELECT replaced_seq FROM main.mirror_records_history WHERE replaced_at > " + Moment + " ORDER BY replaced_at, replaced_seq LIMIT 1)";

    /// <summary>
    /// Writes the statements that create, for every resource the store knows (read from <paramref name="connection"/>),
    /// the views of the mirror as of the set's <see cref="AsOfViewSet.Moment"/>, the statements that drop them again
    /// (dependants first), and what the guard lets a query read. Each public view selects from an inner view, the only
    /// one that reads the live and history tables; the inner views are named with a nonce of this set, which the store
    /// refuses in any query's text (see <see cref="QueryGuard.AsOfViews"/>).
    /// </summary>
    public static AsOfViewSet Build(SqliteConnection connection, AsOfMode mode, int schemaGeneration)
    {
        var nonce = Guid.NewGuid().ToString("N")[..16];
        const string moment = Moment;
        var create = new List<string>();
        var views = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var readers = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var publicDrops = new List<string>();
        var readerDrops = new List<string>();
        string Reader(string name, string select)
        {
            var reader = $"mirror asof {nonce} {name}";
            readers.Add(reader);
            create.Add($"CREATE TEMP VIEW {Identifiers.Quote(reader)} AS {select}");
            readerDrops.Insert(0, $"DROP VIEW IF EXISTS temp.{Identifiers.Quote(reader)}");
            return $"temp.{Identifiers.Quote(reader)}";
        }

        void View(string name, string reader)
        {
            views.Add(name);
            create.Add($"CREATE TEMP VIEW {Identifiers.Quote(name)} AS SELECT * FROM {reader}");
            publicDrops.Add($"DROP VIEW IF EXISTS temp.{Identifiers.Quote(name)}");
        }

        string? versions = null;
        if (mode == AsOfMode.Applied)
        {
            View("mirror_records", Reader(
                "mirror_records",
                $"SELECT {RecordColumns} FROM main.mirror_records WHERE last_synced_at <= {moment} " +
                $"UNION ALL SELECT {RecordColumns} FROM main.mirror_records_history WHERE replaced_seq >= {FirstReplacedAfter} AND last_synced_at <= {moment} AND +replaced_at > {moment}"));
        }
        else
        {
            versions = Reader(
                "versions",
                $"SELECT {RecordColumns}, live, seq FROM (" +
                $"SELECT {RecordColumns}, live, seq, row_number() OVER (PARTITION BY resource, record_id ORDER BY occurred_at DESC, live DESC, seq DESC) AS n FROM (" +
                $"SELECT {RecordColumns}, 1 AS live, 0 AS seq FROM main.mirror_records WHERE occurred_at <= {moment} " +
                $"UNION ALL SELECT {RecordColumns}, 0, replaced_seq FROM main.mirror_records_history WHERE occurred_at <= {moment})) WHERE n = 1");
            View("mirror_records", Reader("mirror_records", $"SELECT {RecordColumns} FROM {versions}"));
        }

        foreach (var (resource, table, columns) in Resources(connection))
        {
            var list = string.Join(", ", Identifiers.SystemColumns.Concat(columns).Select(Identifiers.Quote));
            var live = $"main.{Identifiers.Quote(table)}";
            var history = $"main.{Identifiers.Quote(ResourceTable.HistoryPrefix + table)}";
            var replacedSeq = Identifiers.Quote(ResourceTable.ReplacedSeq);
            var replacedAt = Identifiers.Quote(ResourceTable.ReplacedAt);
            View(table, Reader(table, versions is null
                ? $"SELECT {list} FROM {live} WHERE _synced_at <= {moment} " +
                  $"UNION ALL SELECT {list} FROM {history} WHERE {replacedSeq} >= {FirstReplacedAfter} AND _synced_at <= {moment} AND +{replacedAt} > {moment}"
                : $"SELECT {list} FROM {live} WHERE record_id IN " +
                  $"(SELECT record_id FROM {versions} WHERE resource = {Literal(resource)} AND live = 1 AND deleted_at IS NULL) " +
                  $"UNION ALL SELECT {list} FROM {history} WHERE {replacedSeq} IN " +
                  $"(SELECT seq FROM {versions} WHERE resource = {Literal(resource)} AND live = 0 AND deleted_at IS NULL)"));
        }

        var mainTables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name FROM main.sqlite_schema WHERE type IN ('table', 'view') UNION ALL SELECT 'sqlite_schema' UNION ALL SELECT 'sqlite_master'";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                mainTables.Add(reader.GetString(0));
            }
        }

        return new AsOfViewSet(nonce, mode, schemaGeneration, create, [.. publicDrops, .. readerDrops], new AsOfAccess(views, readers, mainTables));
    }

    /// <summary>
    /// Registers <see cref="MomentFunction"/> on a query connection: it returns what <paramref name="moment"/> returns when
    /// called. Deterministic (SQLite evaluates it once per run of a statement) and innocuous (views may call it).
    /// </summary>
    /// <exception cref="MirrorException">SQLite refused the function.</exception>
    public static void RegisterMoment(SQLitePCL.sqlite3 db, Func<string?> moment)
    {
        const int flags = 1 /* SQLITE_UTF8 */ | 0x800 /* SQLITE_DETERMINISTIC */ | 0x200000 /* SQLITE_INNOCUOUS */;
        var rc = SQLitePCL.raw.sqlite3_create_function(db, MomentFunction, 0, flags, null, (ctx, _, _) =>
        {
            if (moment() is { } at)
            {
                SQLitePCL.raw.sqlite3_result_text(ctx, at);
            }
            else
            {
                SQLitePCL.raw.sqlite3_result_null(ctx);
            }
        });
        if (rc != SQLitePCL.raw.SQLITE_OK)
        {
            throw new MirrorException($"Could not prepare a query connection: registering {MomentFunction}() failed with SQLite error {rc}.");
        }
    }

    private static List<(string Resource, string Table, List<string> Columns)> Resources(SqliteConnection connection)
    {
        var result = new List<(string Resource, string Table, List<string> Columns)>();
        var byResource = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, table_name FROM main.mirror_resources ORDER BY name";
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var columns = new List<string>();
                byResource[reader.GetString(0)] = columns;
                result.Add((reader.GetString(0), reader.GetString(1), columns));
            }
        }

        command.CommandText = "SELECT resource, column_name FROM main.mirror_columns ORDER BY resource, position";
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                if (byResource.TryGetValue(reader.GetString(0), out var columns))
                {
                    columns.Add(reader.GetString(1));
                }
            }
        }

        return result;
    }

    private static string Literal(string text) => new StringBuilder(text.Length + 2).Append('\'').Append(text.Replace("'", "''", StringComparison.Ordinal)).Append('\'').ToString();
}
