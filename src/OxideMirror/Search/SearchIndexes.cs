using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// The SQL of the search indexes, on the writer connection. An index is an FTS5 table over a resource table with
/// external content (<c>content='&lt;table&gt;'</c>, keyed by the table's rowid), so it stores no second copy of the
/// text, plus three triggers on the resource table that note every change of a row, in the same transaction as every
/// write of that table (the apply path's upsert and delete, and anything else that writes it), in a pending table that
/// <see cref="Flush"/> applies to the index before each commit of the write path. The registry is
/// <c>mirror_search_indexes</c>. Rebuild and compaction call <see cref="SuspendForRebuild"/>/<see cref="RestoreAfterRebuild"/>
/// and <see cref="RowidMarks"/>/<see cref="RebuildIfRenumbered"/>, so that after either the index equals a freshly built one.
/// </summary>
internal static class SearchIndexes
{
    /// <summary>The suffix of an index table's name: <c>issues</c> is searched through <c>issues_fts</c>.</summary>
    public const string Suffix = "_fts";

    /// <summary>FTS5 refuses these column names; a field mapped to one cannot be indexed.</summary>
    private static readonly string[] ReservedColumns = ["rank", "rowid"];

    private static readonly string[] TriggerSuffixes = ["_insert", "_delete", "_update"];

    /// <summary>The suffix of an index's pending table (see <see cref="CreatePendingSql"/>).</summary>
    private const string PendingSuffix = "_pending";

    /// <summary>
    /// Applies the rows the triggers noted in this transaction to every index, just before the write path commits
    /// (<see cref="StoreWriter.WriteAsync{T}"/>). Costs nothing while the store has no index; otherwise it reads the
    /// registry in the transaction, which a create or drop in it may have changed.
    /// </summary>
    public static void Flush(SqliteConnection connection, SqliteTransaction transaction, SearchTables search)
    {
        if (search.Indexes.Count == 0)
        {
            return;
        }

        foreach (var index in Registered(connection, transaction))
        {
            Execute(connection, transaction, FlushSql(index));
        }
    }

    /// <summary>Loads the registry and the file's other FTS5 tables (a user migration's, say), for the catalog.</summary>
    public static SearchTables Load(SqliteConnection connection, SqliteTransaction? transaction = null)
    {
        var indexes = Registered(connection, transaction);
        var foreign = connection.Query<string>(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%' AND lower(sql) LIKE '%using%fts5%'",
            transaction: transaction).AsList();
        return new SearchTables(indexes, foreign);
    }

    /// <summary>
    /// Creates the index of <paramref name="resource"/> over <paramref name="fields"/> in one write transaction, fills it
    /// from the resource table, and publishes it to the catalog once committed; returns the existing index when it already
    /// covers the same fields.
    /// </summary>
    public static async Task<SearchIndex> CreateAsync(StoreWriter writer, string resource, IReadOnlyList<string> fields, CancellationToken cancellationToken)
    {
        ThrowIfBadFields(fields);
        return await writer.WriteAsync(
            t =>
            {
                var (index, created) = Create(t.Connection, t.Transaction, resource, fields, Timestamps.Write(t.Now));
                if (created)
                {
                    var catalog = writer.Catalog;
                    t.AfterCommit(() =>
                    {
                        catalog.PublishSearch(catalog.Search.With(index));
                        catalog.SchemaChanged();
                    });
                }

                return index;
            },
            () => $"creating the search index of '{resource}'",
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops the index of <paramref name="resource"/> (its table, shadow tables and triggers); returns whether there was one.</summary>
    public static Task<bool> DropAsync(StoreWriter writer, string resource, CancellationToken cancellationToken) =>
        writer.WriteAsync(
            t =>
            {
                var index = Registered(t.Connection, t.Transaction).FirstOrDefault(i => string.Equals(i.Resource, resource, StringComparison.Ordinal));
                if (index is null)
                {
                    return false;
                }

                Execute(t, DropTriggersSql(index) + $"DROP TABLE IF EXISTS {Identifiers.Quote(index.TableName)}; DROP TABLE IF EXISTS {Identifiers.Quote(index.TableName + PendingSuffix)}; DELETE FROM mirror_search_indexes WHERE resource = @resource", new { resource });
                var catalog = writer.Catalog;
                t.AfterCommit(() =>
                {
                    catalog.PublishSearch(catalog.Search.Without(resource));
                    catalog.SchemaChanged();
                });
                return true;
            },
            () => $"dropping the search index of '{resource}'",
            cancellationToken);

    /// <summary>
    /// Drops every index's triggers inside a rebuild's transaction, so that rewriting the resource tables does not also
    /// rewrite the indexes row by row; <see cref="RestoreAfterRebuild"/> puts them back and rebuilds the indexes.
    /// </summary>
    public static void SuspendForRebuild(SqliteConnection connection, SqliteTransaction transaction)
    {
        foreach (var index in Registered(connection, transaction))
        {
            Execute(connection, transaction, DropTriggersSql(index));
        }
    }

    /// <summary>
    /// Recreates every index's triggers and rebuilds the index from its resource table, inside the rebuild's transaction:
    /// whatever the rebuild did to the tables (rows rewritten, rowids renumbered, a table recreated), each index then equals
    /// a freshly built one.
    /// </summary>
    public static void RestoreAfterRebuild(SqliteConnection connection, SqliteTransaction transaction)
    {
        foreach (var index in Registered(connection, transaction))
        {
            Execute(connection, transaction, DropTriggersSql(index) + string.Concat(TriggersSql(index).Select(s => s + "; ")) + RebuildSql(index) + $"; DELETE FROM {Identifiers.Quote(index.TableName + PendingSuffix)}");
        }
    }

    /// <summary>
    /// Reads, before a <c>VACUUM</c>, what each indexed resource table's rowids add up to. SQLite documents that VACUUM may
    /// renumber the rowids of a table without an INTEGER PRIMARY KEY (this build keeps them for tables with an index, which
    /// every resource table has); an index keyed by rowid must not depend on that.
    /// </summary>
    public static Dictionary<string, (long Count, long Sum, long Max)> RowidMarks(SqliteConnection connection)
    {
        var marks = new Dictionary<string, (long, long, long)>(StringComparer.Ordinal);
        foreach (var index in Registered(connection, null))
        {
            marks[index.TableName] = Mark(connection, index);
        }

        return marks;
    }

    /// <summary>
    /// Rebuilds, after a <c>VACUUM</c>, each index whose resource table's rowids changed (renumbering keeps their order,
    /// so it changes their sum unless they were already 1..n); returns how many were rebuilt.
    /// </summary>
    public static int RebuildIfRenumbered(SqliteConnection connection, Dictionary<string, (long Count, long Sum, long Max)> before)
    {
        var rebuilt = 0;
        foreach (var index in Registered(connection, null))
        {
            if (!before.TryGetValue(index.TableName, out var mark) || mark != Mark(connection, index))
            {
                Execute(connection, null, RebuildSql(index) + $"; DELETE FROM {Identifiers.Quote(index.TableName + PendingSuffix)}");
                rebuilt++;
            }
        }

        return rebuilt;
    }

    /// <summary>Builds the message for a search of a resource that has no index.</summary>
    public static MirrorException NotIndexed(string resource, SearchTables search)
    {
        var known = search.Indexes.Count == 0 ? "none yet" : string.Join(", ", search.Indexes.Select(i => i.Resource));
        return new MirrorException(
            $"Resource '{resource}' has no search index, so it cannot be searched. Resources with one: {known}. Create one with CreateSearchIndexAsync(\"{resource}\", [\"field\", …]), or query the resource with SQL (LIKE, instr).");
    }

    private static void ThrowIfBadFields(IReadOnlyList<string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count == 0)
        {
            throw new ArgumentException("A search index needs at least one field. Pass the top-level payload keys whose text should be searchable, for example [\"title\", \"body\"].", nameof(fields));
        }

        for (var i = 0; i < fields.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(fields[i]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Field {i} of the search index is {(fields[i] is null ? "null" : "empty")}. Pass top-level payload keys, for example [\"title\", \"body\"]."), nameof(fields));
            }
        }
    }

    private static (SearchIndex Index, bool Created) Create(SqliteConnection connection, SqliteTransaction transaction, string resource, IReadOnlyList<string> fields, string at)
    {
        var table = connection.ExecuteScalar<string?>(new CommandDefinition("SELECT table_name FROM mirror_resources WHERE name = @resource", new { resource }, transaction));
        if (table is null)
        {
            var known = connection.Query<string>(new CommandDefinition("SELECT name FROM mirror_resources ORDER BY name", transaction: transaction)).AsList();
            throw new MirrorException(
                $"Resource '{resource}' has not been synced, so it has no table to index. Known resources: {(known.Count == 0 ? "none yet" : string.Join(", ", known))}. Sync it first, or check the name.");
        }

        var columns = connection.Query<(string Key, string Column)>(new CommandDefinition("SELECT key, column_name FROM mirror_columns WHERE resource = @resource ORDER BY position", new { resource }, transaction)).AsList();
        var keys = new List<string>(fields.Count);
        var names = new List<string>(fields.Count);
        foreach (var field in fields)
        {
            var match = columns.FirstOrDefault(c => string.Equals(c.Key, field, StringComparison.Ordinal));
            if (match.Column is null)
            {
                match = columns.FirstOrDefault(c => string.Equals(c.Column, field, StringComparison.OrdinalIgnoreCase));
            }

            if (match.Column is null)
            {
                var system = Array.Exists(Identifiers.SystemColumns, c => string.Equals(c, field, StringComparison.OrdinalIgnoreCase));
                throw new ArgumentException(
                    system
                        ? $"'{field}' is a system column of resource '{resource}', not a payload field, and cannot be searched. Index payload keys; its fields are: {Fields(columns)}."
                        : $"Resource '{resource}' has no field '{field}'. Its fields are: {Fields(columns)}. Pass top-level payload keys (or their column names); a key that no synced record has yet gets no column, so sync such a record first.",
                    nameof(fields));
            }

            if (names.Contains(match.Column, StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"The field '{field}' of resource '{resource}' is listed twice (as its key '{match.Key}' or its column '{match.Column}'). List each field once.", nameof(fields));
            }

            if (Array.Exists(ReservedColumns, r => string.Equals(r, match.Column, StringComparison.OrdinalIgnoreCase)))
            {
                throw new ArgumentException($"The field '{field}' of resource '{resource}' is read through the column '{match.Column}', a name FTS5 reserves for its own use, so it cannot be indexed. Leave it out of the search index and filter on it with SQL.", nameof(fields));
            }

            keys.Add(match.Key);
            names.Add(match.Column);
        }

        var existing = Registered(connection, transaction).FirstOrDefault(i => string.Equals(i.Resource, resource, StringComparison.Ordinal));
        if (existing is not null)
        {
            if (existing.Columns.Count == names.Count && existing.Columns.All(c => names.Contains(c, StringComparer.OrdinalIgnoreCase)))
            {
                return (existing, false);
            }

            throw new MirrorException(
                $"Resource '{resource}' already has a search index, {existing.TableName}, on other fields ({string.Join(", ", existing.Fields)}). A resource has one search index: drop it with DropSearchIndexAsync(\"{resource}\") first, then create the one on ({string.Join(", ", keys)}).");
        }

        var index = new SearchIndex(resource, table, FreeName(connection, transaction, table), keys, names);
        Execute(connection, transaction, CreateSql(index) + "; " + CreatePendingSql(index) + "; " + string.Concat(TriggersSql(index).Select(s => s + "; ")) + RebuildSql(index));
        connection.Execute(new CommandDefinition(
            "INSERT INTO mirror_search_indexes (resource, table_name, fields, columns, created_at) VALUES (@resource, @name, @fields, @columns, @at)",
            new { resource, name = index.TableName, fields = JsonSerializer.Serialize(keys), columns = JsonSerializer.Serialize(names), at },
            transaction));
        return (index, true);
    }

    /// <summary>
    /// Names an index table by the rule in docs/storage.md: the resource table's name and <c>_fts</c>, then <c>_2</c>,
    /// <c>_3</c>, … until neither it nor any of its shadow tables' or triggers' names is taken by a table, index, view or
    /// trigger in the file or by a resource's table (compared case-insensitively). Resource tables are named after it by
    /// the same check, so neither ever shadows the other.
    /// </summary>
    private static string FreeName(SqliteConnection connection, SqliteTransaction transaction, string table)
    {
        var taken = new HashSet<string>(
            connection.Query<string>(new CommandDefinition("SELECT name FROM sqlite_schema UNION SELECT table_name FROM mirror_resources", transaction: transaction)),
            StringComparer.OrdinalIgnoreCase);
        var name = table + Suffix;
        var candidate = name;
        for (var n = 2; Taken(candidate); n++)
        {
            candidate = string.Create(CultureInfo.InvariantCulture, $"{name}_{n}");
        }

        return candidate;

        bool Taken(string candidate) =>
            taken.Contains(candidate)
            || SearchTables.ShadowSuffixes.Any(s => taken.Contains(candidate + s))
            || TriggerSuffixes.Any(s => taken.Contains(candidate + s))
            || taken.Contains(candidate + PendingSuffix);
    }

    private static string CreateSql(SearchIndex index)
    {
        var sql = new StringBuilder("CREATE VIRTUAL TABLE ").Append(Identifiers.Quote(index.TableName)).Append(" USING fts5(record_id UNINDEXED");
        foreach (var column in index.Columns)
        {
            sql.Append(", ").Append(Identifiers.Quote(column));
        }

        return sql.Append(", content=").Append(Literal(index.ResourceTable))
            .Append(", content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')").ToString();
    }

    /// <summary>
    /// The pending table, which the triggers fill and <see cref="Flush"/> empties before every commit: one row per
    /// resource-table row changed in the transaction, holding, when the index held that row as the transaction began,
    /// the values it was indexed with (FTS5's 'delete' of external content needs exactly those).
    /// </summary>
    private static string CreatePendingSql(SearchIndex index) =>
        $"CREATE TABLE {Identifiers.Quote(index.TableName + PendingSuffix)} (row INTEGER PRIMARY KEY, indexed INTEGER NOT NULL, record_id{string.Concat(index.Columns.Select(c => ", " + Identifiers.Quote(c)))})";

    /// <summary>
    /// The three triggers on the resource table. Each notes the changed row in the pending table, keeping only the first
    /// note per row in the transaction: an insert notes a row the index did not hold; a delete, or
    /// an update of an indexed value, notes the old values, which are the ones indexed (unchanged since the transaction
    /// began, or the first note would have come earlier). Writing FTS5 row by row from a trigger (or from the write path)
    /// flushes its in-memory terms at every statement; noting rows and flushing once per transaction is about three times
    /// faster (docs/performance.md).
    /// </summary>
    private static string[] TriggersSql(SearchIndex index)
    {
        var pending = Identifiers.Quote(index.TableName + PendingSuffix);
        var table = Identifiers.Quote(index.ResourceTable);
        var quoted = index.Columns.Select(Identifiers.Quote).ToList();
        var list = "record_id, " + string.Join(", ", quoted);
        var old = "old.record_id, " + string.Join(", ", quoted.Select(c => "old." + c));
        // Not INSERT OR IGNORE: the conflict clause of the statement that fires a trigger overrides its body's.
        var inserted = $"INSERT INTO {pending} (row, indexed) SELECT new.rowid, 0 WHERE NOT EXISTS (SELECT 1 FROM {pending} WHERE row = new.rowid)";
        var removed = $"INSERT INTO {pending} (row, indexed, {list}) SELECT old.rowid, 1, {old} WHERE NOT EXISTS (SELECT 1 FROM {pending} WHERE row = old.rowid)";
        var changed = string.Join(" OR ", quoted.Select(c => $"old.{c} IS NOT new.{c}").Prepend("old.rowid IS NOT new.rowid").Prepend("old.record_id IS NOT new.record_id"));
        return
        [
            $"CREATE TRIGGER {Identifiers.Quote(index.TableName + TriggerSuffixes[0])} AFTER INSERT ON {table} BEGIN {inserted}; END",
            $"CREATE TRIGGER {Identifiers.Quote(index.TableName + TriggerSuffixes[1])} AFTER DELETE ON {table} BEGIN {removed}; END",
            $"CREATE TRIGGER {Identifiers.Quote(index.TableName + TriggerSuffixes[2])} AFTER UPDATE ON {table} WHEN {changed} BEGIN {removed}; {inserted}; END",
        ];
    }

    /// <summary>
    /// Applies the pending rows to the index, inside the caller's transaction: deletes the values each row was indexed
    /// with, indexes the row's current values if it still exists, and empties the pending table. The write path calls it
    /// before every commit, so the index equals its table in every committed state.
    /// </summary>
    private static string FlushSql(SearchIndex index)
    {
        var fts = Identifiers.Quote(index.TableName);
        var pending = Identifiers.Quote(index.TableName + PendingSuffix);
        var table = Identifiers.Quote(index.ResourceTable);
        var quoted = index.Columns.Select(Identifiers.Quote).ToList();
        var list = "record_id, " + string.Join(", ", quoted);
        return
            $"INSERT INTO {fts} ({fts}, rowid, {list}) SELECT 'delete', row, {list} FROM {pending} WHERE indexed = 1 ORDER BY row; " +
            $"INSERT INTO {fts} (rowid, {list}) SELECT t.rowid, t.record_id{string.Concat(quoted.Select(c => ", t." + c))} FROM {pending} p JOIN {table} t ON t.rowid = p.row ORDER BY p.row; " +
            $"DELETE FROM {pending}";
    }

    private static string DropTriggersSql(SearchIndex index) =>
        string.Concat(TriggerSuffixes.Select(s => $"DROP TRIGGER IF EXISTS {Identifiers.Quote(index.TableName + s)}; "));

    private static string RebuildSql(SearchIndex index) =>
        $"INSERT INTO {Identifiers.Quote(index.TableName)} ({Identifiers.Quote(index.TableName)}) VALUES ('rebuild')";

    private static (long Count, long Sum, long Max) Mark(SqliteConnection connection, SearchIndex index) =>
        connection.QuerySingle<(long, long, long)>($"SELECT count(*), coalesce(sum(rowid), 0), coalesce(max(rowid), 0) FROM {Identifiers.Quote(index.ResourceTable)}");

    private static List<SearchIndex> Registered(SqliteConnection connection, SqliteTransaction? transaction) =>
        connection.Query<(string Resource, string Table, string Name, string Fields, string Columns)>(new CommandDefinition(
                "SELECT s.resource, r.table_name, s.table_name, s.fields, s.columns FROM mirror_search_indexes s JOIN mirror_resources r ON r.name = s.resource ORDER BY s.resource",
                transaction: transaction))
            .Select(r => new SearchIndex(r.Resource, r.Table, r.Name, JsonSerializer.Deserialize<string[]>(r.Fields)!, JsonSerializer.Deserialize<string[]>(r.Columns)!))
            .ToList();

    private static string Fields(List<(string Key, string Column)> columns) =>
        columns.Count == 0 ? "none yet" : string.Join(", ", columns.Select(c => c.Key).Order(StringComparer.Ordinal));

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static void Execute(WriteTransaction t, string sql, object? parameters = null) =>
        t.Connection.Execute(new CommandDefinition(sql, parameters, t.Transaction));

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
