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
/// "the state after the last change applied at or before the moment". Of the history, a view reads only the versions
/// current at the moment: the prefix, made before it, of each epoch from the first change after it on
/// (<see cref="HistoryKey"/>, <see cref="CurrentVersions"/>).</item>
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
    private static readonly string HistoryRecordColumns = string.Join(", ", RecordColumns.Split(", ").Select(c => "h." + c));
    private const string Moment = MomentFunction + "()";

    /// <summary>
    /// The epoch (<see cref="HistoryKey"/>) of the first version replaced after the moment, or NULL when none was: one seek
    /// in <c>mirror_records_history</c>'s index on <c>replaced_at</c>, whose first entry after the moment has the lowest key
    /// of the versions replaced first (applied times follow log order). Every version replaced after the moment is in this
    /// epoch or a later one. The unary <c>+</c> on the views' own <c>replaced_at</c> test keeps SQLite from reading the
    /// history through that index instead.
    /// </summary>
    private static readonly string FirstEpoch = HistoryKey.EpochSql("SELECT key FROM main.mirror_records_history WHERE replaced_at > " + Moment + " ORDER BY replaced_at, key LIMIT 1");

    /// <summary>
    /// A log position past every event applied at or before the moment (the end of <see cref="FirstEpoch"/>): in each
    /// epoch, the versions made before it are the keys from the epoch's start up to the start plus this, which holds every
    /// version current at the moment (and the few made after it, up to the epoch's end, which the time filter drops).
    /// </summary>
    private static readonly string MadeBefore = HistoryKey.EpochEndSeqSql(FirstEpoch);

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
                $"SELECT {RecordColumns}, seq FROM main.mirror_records WHERE last_synced_at <= {moment} " +
                $"UNION ALL SELECT {HistoryRecordColumns}, {HistoryKey.MadeSeqSql("h.key")} {CurrentVersions("main.mirror_records_history", "h.key")} " +
                $"AND h.last_synced_at <= {moment} AND +h.replaced_at > {moment}"));
        }
        else
        {
            versions = Reader(
                "versions",
                $"SELECT {RecordColumns}, live, made, key FROM (" +
                $"SELECT {RecordColumns}, live, made, key, row_number() OVER (PARTITION BY resource, record_id ORDER BY occurred_at DESC, live DESC, log_order DESC) AS n FROM (" +
                $"SELECT {RecordColumns}, 1 AS live, seq AS made, 0 AS key, 0 AS log_order FROM main.mirror_records WHERE occurred_at <= {moment} " +
                $"UNION ALL SELECT {RecordColumns}, 0, {HistoryKey.MadeSeqSql("key")}, key, replaced_seq FROM main.mirror_records_history WHERE occurred_at <= {moment})) WHERE n = 1");
            View("mirror_records", Reader("mirror_records", $"SELECT {RecordColumns}, made AS seq FROM {versions}"));
        }

        foreach (var (resource, table, columns) in Resources(connection))
        {
            var names = Identifiers.SystemColumns.Concat(columns).Select(Identifiers.Quote).ToList();
            var list = string.Join(", ", names);
            var historyList = string.Join(", ", names.Select(n => "h." + n));
            var live = $"main.{Identifiers.Quote(table)}";
            var history = $"main.{Identifiers.Quote(ResourceTable.HistoryPrefix + table)}";
            var key = Identifiers.Quote(ResourceTable.Key);
            var replacedAt = Identifiers.Quote(ResourceTable.ReplacedAt);
            View(table, Reader(table, versions is null
                ? $"SELECT {list} FROM {live} WHERE _synced_at <= {moment} " +
                  $"UNION ALL SELECT {historyList} {CurrentVersions(history, "h." + key)} AND h._synced_at <= {moment} AND +h.{replacedAt} > {moment}"
                : $"SELECT {list} FROM {live} WHERE record_id IN " +
                  $"(SELECT record_id FROM {versions} WHERE resource = {Literal(resource)} AND live = 1 AND deleted_at IS NULL) " +
                  $"UNION ALL SELECT {list} FROM {history} WHERE {key} IN " +
                  $"(SELECT key FROM {versions} WHERE resource = {Literal(resource)} AND live = 0 AND deleted_at IS NULL)"));
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

    /// <summary>
    /// The <c>FROM</c> and first <c>WHERE</c> term of an applied-time view's history arm over <paramref name="history"/>
    /// (aliased <c>h</c>, keyed by <paramref name="key"/>): each epoch from <see cref="FirstEpoch"/> on, read from its start
    /// to <see cref="MadeBefore"/> by a seek on the key, which leaves out the versions made after the moment as well as
    /// those replaced before it. The <c>likelihood</c> tells SQLite's planner that few epochs pass (without statistics it
    /// would guess a million and scan the whole history instead); the join's equality on the key's epoch lets it start
    /// from an index of the history instead when the query has one to use (a point lookup), checking each row's epoch.
    /// </summary>
    private static string CurrentVersions(string history, string key) =>
        $"FROM main.{HistoryKey.EpochsTable} AS e JOIN {history} AS h ON e.epoch = {HistoryKey.EpochSql(key)} AND {key} >= {HistoryKey.EpochStartSql("e.epoch")} AND {key} < {HistoryKey.EpochStartSql("e.epoch")} + {MadeBefore} " +
        $"WHERE likelihood(e.epoch >= {FirstEpoch}, 0.0001)";

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
