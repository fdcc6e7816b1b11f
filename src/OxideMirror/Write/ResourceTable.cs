using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// One resource's agent-facing table, kept in the writer's transaction: <c>record_id</c>, the system columns
/// (<c>_source</c>, <c>_confidence</c>, <c>_version</c>, <c>_synced_at</c>, <c>_occurred_at</c>) and one column per
/// top-level payload key seen so far. Scalars are stored as SQLite values (booleans as 0/1), objects and arrays as
/// JSON text. Deleted records are removed. Columns carry no declared type, so values keep their own storage class.
/// A table gets at most <see cref="MaxPayloadColumns"/> payload columns; keys first seen after that have none, and are
/// read from <c>mirror_records.payload</c>.
/// </summary>
internal sealed class ResourceTable : IDisposable
{
    /// <summary>
    /// The most payload columns a resource table gets. SQLite allows 2,000 columns in a table, an index and a result
    /// row (SQLITE_MAX_COLUMN); stopping well short of it keeps <c>SELECT *</c> over a join of two such tables legal and
    /// the apply path, which binds every column of a row, fast. A source whose records carry ever-new top-level keys
    /// (ids as keys) would otherwise fail every sync once the table is full.
    /// </summary>
    public const int MaxPayloadColumns = 1000;

    /// <summary>
    /// The prefix of each resource table's history table (<c>mirror_history_orders</c> for <c>orders</c>): a resource
    /// table never takes a <c>mirror_</c> name (<see cref="Identifiers.ForTable"/>), so the two cannot meet.
    /// </summary>
    public const string HistoryPrefix = "mirror_history_";

    /// <summary>
    /// The history table's own columns, ahead of the resource table's: the version's <see cref="HistoryKey"/> (the rowid),
    /// and the seq and applied time of the event that replaced the version. Their names hold a character no payload
    /// column's name can (<see cref="Identifiers.ForColumn"/>).
    /// </summary>
    public const string Key = "~key";

    /// <inheritdoc cref="Key"/>
    public const string ReplacedSeq = "~replaced_seq";

    /// <inheritdoc cref="ReplacedSeq"/>
    public const string ReplacedAt = "~replaced_at";

    private readonly SqliteConnection _connection;
    private readonly List<string> _columns = [];
    private readonly List<bool> _isJson = [];
    private readonly Dictionary<string, int> _keys = new(StringComparer.Ordinal);
    private RawStatement? _upsert;
    private RawStatement? _delete;
    private RawStatement? _preserve;
    private RawStatement? _insertHistory;
    private RawStatement? _countRows;
    private SqliteTransaction? _transaction;
    private long _rowChange;
    private readonly List<(byte[] Name, int Index)> _layout = [];
    private bool[] _bound = [];

    private ResourceTable(SqliteConnection connection, string resource, string tableName)
    {
        _connection = connection;
        Resource = resource;
        TableName = tableName;
    }

    public string Resource { get; }

    public string TableName { get; }

    /// <summary>Gets the name of the table holding the versions of this table's rows that were replaced or deleted.</summary>
    public string HistoryTableName => HistoryPrefix + TableName;

    /// <summary>Gets the payload columns, in position order.</summary>
    public IReadOnlyList<string> Columns => _columns;

    /// <summary>Gets or sets a value indicating whether this table's schema changed in the current transaction.</summary>
    public bool SchemaChanged { get; set; }

    /// <summary>Gets the columns that have held a JSON object or array.</summary>
    public IEnumerable<string> JsonColumns => _columns.Where((_, i) => _isJson[i]);

    /// <summary>Loads the table of a known resource, or returns null when the resource was never seen.</summary>
    public static ResourceTable? Load(SqliteConnection connection, SqliteTransaction? transaction, string resource)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT table_name FROM mirror_resources WHERE name = $name";
        command.Parameters.AddWithValue("$name", resource);
        if (command.ExecuteScalar() is not string tableName)
        {
            return null;
        }

        var table = new ResourceTable(connection, resource, tableName);
        command.CommandText = "SELECT key, column_name, is_json FROM mirror_columns WHERE resource = $name ORDER BY position";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            table._keys[reader.GetString(0)] = table._columns.Count;
            table._columns.Add(reader.GetString(1));
            table._isJson.Add(reader.GetInt64(2) != 0);
        }

        return table;
    }

    /// <summary>Creates the table of a new resource, inside the caller's transaction.</summary>
    public static ResourceTable Create(SqliteConnection connection, SqliteTransaction transaction, string resource, string at)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT name FROM sqlite_schema UNION SELECT table_name FROM mirror_resources";
        var taken = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                taken.Add(reader.GetString(0));
            }
        }

        var tableName = Identifiers.ForTable(resource, taken);
        command.CommandText = CreateTableSql(tableName, []) + "; " + CreateHistoryTableSql(tableName, []);
        command.ExecuteNonQuery();
        command.CommandText =
            "INSERT INTO mirror_resources (name, table_name, first_seen_at, row_count) VALUES ($name, $table, $at, 0); " +
            "INSERT INTO mirror_schema_changes (resource, change, column_name, changed_at) VALUES ($name, 'create_table', $table, $at)";
        command.Parameters.AddWithValue("$name", resource);
        command.Parameters.AddWithValue("$table", tableName);
        command.Parameters.AddWithValue("$at", at);
        command.ExecuteNonQuery();
        return new ResourceTable(connection, resource, tableName) { SchemaChanged = true };
    }

    /// <summary>
    /// Writes the <c>CREATE TABLE</c> statement of a resource table: <c>record_id</c> and the system columns (in the order of
    /// <see cref="Identifiers.SystemColumns"/>), then the payload columns in order, with no declared type, as
    /// <see cref="AddColumn"/> adds them. The one definition of the table's shape, for the live table and its as-of copy.
    /// </summary>
    /// <param name="tableName">The table's name, unquoted.</param>
    /// <param name="payloadColumns">The payload columns' names, unquoted, in position order.</param>
    /// <param name="schema">The schema to create the table in (<c>main</c>, say), or null for SQLite's default.</param>
    public static string CreateTableSql(string tableName, IEnumerable<string> payloadColumns, string? schema = null)
    {
        var create = new StringBuilder("CREATE TABLE ");
        if (schema is not null)
        {
            create.Append(schema).Append('.');
        }

        create.Append(Identifiers.Quote(tableName))
            .Append(" (record_id TEXT PRIMARY KEY NOT NULL, _source TEXT NOT NULL, _confidence REAL NOT NULL, _version INTEGER NOT NULL, _synced_at TEXT NOT NULL, _occurred_at TEXT NOT NULL");
        foreach (var column in payloadColumns)
        {
            create.Append(", ").Append(Identifiers.Quote(column));
        }

        return create.Append(')').ToString();
    }

    /// <summary>
    /// Writes the <c>CREATE TABLE</c> statement of a resource table's history table: <see cref="Key"/> (the rowid),
    /// <see cref="ReplacedSeq"/> and <see cref="ReplacedAt"/>, then the resource table's columns in its order.
    /// </summary>
    public static string CreateHistoryTableSql(string tableName, IEnumerable<string> payloadColumns)
    {
        var create = new StringBuilder("CREATE TABLE ")
            .Append(Identifiers.Quote(HistoryPrefix + tableName))
            .Append(" (").Append(Identifiers.Quote(Key)).Append(" INTEGER PRIMARY KEY, ")
            .Append(Identifiers.Quote(ReplacedSeq)).Append(" INTEGER NOT NULL, ").Append(Identifiers.Quote(ReplacedAt))
            .Append(" TEXT NOT NULL, record_id TEXT NOT NULL, _source TEXT NOT NULL, _confidence REAL NOT NULL, _version INTEGER NOT NULL, _synced_at TEXT NOT NULL, _occurred_at TEXT NOT NULL");
        foreach (var column in payloadColumns)
        {
            create.Append(", ").Append(Identifiers.Quote(column));
        }

        return create.Append(')').ToString();
    }

    /// <summary>
    /// The filter of the <c>mirror_resources</c> rows whose history table is missing (a store made before schema version 3)
    /// or not keyed by <see cref="Key"/> (made before version 6): what <see cref="EnsureHistoryTables"/> makes again.
    /// </summary>
    public const string UnkeyedHistoryFilter = $"NOT EXISTS (SELECT 1 FROM pragma_table_info('{HistoryPrefix}' || table_name) WHERE name = '{Key}')";

    /// <summary>
    /// Makes again, inside the caller's transaction, the history table of every resource table whose history table is
    /// missing or unkeyed (<see cref="UnkeyedHistoryFilter"/>), with the resource table's columns and indexes, filled from
    /// <c>mirror_records_history</c>.
    /// </summary>
    public static void EnsureHistoryTables(SqliteConnection connection, SqliteTransaction transaction)
    {
        var missing = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = $"SELECT name FROM mirror_resources WHERE {UnkeyedHistoryFilter} ORDER BY name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                missing.Add(reader.GetString(0));
            }
        }

        var tables = new Dictionary<string, ResourceTable>(StringComparer.Ordinal);
        try
        {
            foreach (var resource in missing)
            {
                var table = Load(connection, transaction, resource)!;
                tables[resource] = table;
                table.Begin(transaction);
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = $"DROP TABLE IF EXISTS {Identifiers.Quote(table.HistoryTableName)}; {CreateHistoryTableSql(table.TableName, table._columns)}";
                command.ExecuteNonQuery();
                command.CommandText = "SELECT column_name FROM mirror_schema_changes WHERE resource = $resource AND change = 'create_index' ORDER BY seq";
                command.Parameters.AddWithValue("$resource", resource);
                var indexed = new List<string>();
                using (var reader = command.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        indexed.Add(reader.GetString(0));
                    }
                }

                foreach (var column in indexed.Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    table.CreateHistoryIndex(column);
                }
            }

            FillHistories(connection, transaction, tables);
        }
        finally
        {
            foreach (var table in tables.Values)
            {
                table.Dispose();
            }
        }
    }

    /// <summary>
    /// Writes, inside the caller's transaction, the history row of each replaced version that still had a payload, from
    /// <c>mirror_records_history</c> (which the caller filled), into the history table of its resource among
    /// <paramref name="tables"/> (begun in that transaction), the way <see cref="Upsert"/> writes a row; versions of other
    /// resources are left out. One pass over the history in key order, so each history table is appended to.
    /// </summary>
    public static void FillHistories(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyDictionary<string, ResourceTable> tables, CancellationToken cancellationToken = default)
    {
        if (tables.Count == 0)
        {
            return;
        }

        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT resource, record_id, payload, source, confidence, version, last_synced_at, occurred_at, replaced_seq, replaced_at, key FROM mirror_records_history WHERE payload IS NOT NULL ORDER BY key";
        using var nested = new JsonCompactor(JsonDepth.Default);
        using var reader = command.ExecuteReader();
        var read = 0L;
        while (reader.Read())
        {
            if ((++read & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (tables.TryGetValue(reader.GetString(0), out var table))
            {
                using var document = JsonDocument.Parse(reader.GetString(2));
                table.WriteHistory(reader.GetString(1), document.RootElement, reader.GetString(3), reader.GetDouble(4), reader.GetInt64(5), reader.GetString(6), reader.GetString(7), reader.GetInt64(10), reader.GetInt64(8), reader.GetString(9), nested);
            }
        }
    }

    /// <summary>Creates an index on one column of the resource's table (a payload key or a system column); returns its name.</summary>
    public string CreateIndex(string field, string at)
    {
        var column = _keys.TryGetValue(field, out var index) ? _columns[index]
            : _columns.Concat(Identifiers.SystemColumns).FirstOrDefault(c => string.Equals(c, field, StringComparison.OrdinalIgnoreCase));
        if (column is null)
        {
            throw new ArgumentException(
                $"Resource '{Resource}' has no field '{field}'. Its fields are: {string.Join(", ", _keys.Keys.Order(StringComparer.Ordinal))} (and the columns {string.Join(", ", Identifiers.SystemColumns)}). Pass a payload key or a column name.",
                nameof(field));
        }

        using var command = _connection.CreateCommand();
        command.Transaction = _transaction;

        // An index made on the column before (by this method or a migration): creating it again is a no-op.
        command.CommandText =
            "SELECT il.name FROM pragma_index_list($table) AS il WHERE il.origin = 'c' AND il.partial = 0 " +
            "AND (SELECT count(*) FROM pragma_index_xinfo(il.name) WHERE key = 1) = 1 " +
            "AND (SELECT name FROM pragma_index_xinfo(il.name) WHERE key = 1) = $column COLLATE NOCASE ORDER BY il.name LIMIT 1";
        command.Parameters.AddWithValue("$table", TableName);
        command.Parameters.AddWithValue("$column", column);
        if (command.ExecuteScalar() is string existing)
        {
            return existing;
        }

        // Names are cut to 120 characters, so two long columns can share a cut name, and a resource table can hold a
        // name too: take the first free one of name, name_2, name_3, …
        var name = "ix_" + TableName + "_" + column;
        if (name.Length > 120)
        {
            name = name[..120];
        }

        command.CommandText = "SELECT name FROM sqlite_schema";
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                taken.Add(reader.GetString(0));
            }
        }

        var candidate = name;
        for (var n = 2; taken.Contains(candidate); n++)
        {
            candidate = string.Create(CultureInfo.InvariantCulture, $"{name}_{n}");
        }

        name = candidate;
        command.Parameters.Clear();
        command.CommandText =
            $"CREATE INDEX {Identifiers.Quote(name)} ON {Identifiers.Quote(TableName)} ({Identifiers.Quote(column)}); " +
            "INSERT INTO mirror_schema_changes (resource, change, key, column_name, changed_at) VALUES ($resource, 'create_index', $key, $column, $at)";
        command.Parameters.AddWithValue("$resource", Resource);
        command.Parameters.AddWithValue("$key", field);
        command.Parameters.AddWithValue("$column", column);
        command.Parameters.AddWithValue("$at", at);
        command.ExecuteNonQuery();
        CreateHistoryIndex(column);
        SchemaChanged = true;
        return name;
    }

    /// <summary>Indexes the history table on a column the resource table is indexed on, so an as-of lookup finds its versions the same way.</summary>
    private void CreateHistoryIndex(string column)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = "SELECT name FROM sqlite_schema";
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                taken.Add(reader.GetString(0));
            }
        }

        var name = "mirror_ix_" + TableName + "_" + column;
        if (name.Length > 120)
        {
            name = name[..120];
        }

        var candidate = name;
        for (var n = 2; taken.Contains(candidate); n++)
        {
            candidate = string.Create(CultureInfo.InvariantCulture, $"{name}_{n}");
        }

        command.CommandText = $"CREATE INDEX {Identifiers.Quote(candidate)} ON {Identifiers.Quote(HistoryTableName)} ({Identifiers.Quote(column)})";
        command.ExecuteNonQuery();
    }

    public void Begin(SqliteTransaction transaction)
    {
        _transaction = transaction;
    }

    /// <summary>
    /// Writes a record's row, adding a column for each payload key not seen before. Allocation-free in the common case:
    /// property names are matched against the previous payload's key order as UTF-8, and string values without escapes
    /// are bound straight from the payload's bytes. <paramref name="creates"/> says the table has no row for the record yet
    /// (its row count goes up by one).
    /// </summary>
    public void Upsert(string recordId, JsonElement payload, string source, double confidence, long version, string syncedAt, string occurredAt, JsonCompactor nested, bool creates)
    {
        Layout(payload, syncedAt);
        var command = _upsert ??= BuildUpsert();
        Bind(command, recordId, payload, source, confidence, version, syncedAt, occurredAt, nested);
        command.Execute();
        if (creates)
        {
            _rowChange++;
        }
    }

    /// <summary>
    /// Adds the rows this table gained and lost since the last call to its <c>mirror_resources.row_count</c>, inside the
    /// caller's transaction: called once per committed batch, so that the count is exact at every commit and
    /// <c>DescribeAsync</c> reads it instead of counting the table. A rollback forgets the table (and this change with it).
    /// </summary>
    public void WriteRowCount()
    {
        if (_rowChange == 0)
        {
            return;
        }

        var command = _countRows ??= new RawStatement(_connection, "UPDATE mirror_resources SET row_count = row_count + ?1 WHERE name = ?2");
        command.Integer(1, _rowChange);
        command.Text(2, Resource);
        command.Execute();
        _rowChange = 0;
    }

    /// <summary>
    /// Counts, inside the caller's transaction, the rows of every resource table whose <c>mirror_resources.row_count</c> is
    /// not known (a store made before schema version 5).
    /// </summary>
    public static void CountRows(SqliteConnection connection, SqliteTransaction transaction)
    {
        var tables = new List<(string Name, string Table)>();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT name, table_name FROM mirror_resources WHERE row_count IS NULL ORDER BY name";
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                tables.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (name, table) in tables)
        {
            command.CommandText = $"UPDATE mirror_resources SET row_count = (SELECT count(*) FROM {Identifiers.Quote(table)}) WHERE name = $name";
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$name", name);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Writes one replaced version's history row from its payload, bound as <see cref="Upsert"/> binds a row (the rebuild
    /// writes history this way; the live path copies the row with <see cref="Preserve"/>).
    /// </summary>
    public void WriteHistory(string recordId, JsonElement payload, string source, double confidence, long version, string syncedAt, string occurredAt, long key, long replacedSeq, string replacedAt, JsonCompactor nested)
    {
        Layout(payload, syncedAt);
        var command = _insertHistory ??= BuildHistoryInsert();
        Bind(command, recordId, payload, source, confidence, version, syncedAt, occurredAt, nested);
        command.Integer(7 + _columns.Count, replacedSeq);
        command.Text(8 + _columns.Count, replacedAt);
        command.Integer(9 + _columns.Count, key);
        command.Execute();
    }

    /// <summary>
    /// Copies a record's current row, if it has one, into the history table under <paramref name="key"/> (its
    /// <see cref="HistoryKey"/>) as replaced by the event at <paramref name="replacedSeq"/>, applied at
    /// <paramref name="replacedAt"/>: called just before the row is changed or deleted.
    /// </summary>
    public void Preserve(string recordId, long key, long replacedSeq, string replacedAt)
    {
        var command = _preserve ??= BuildPreserve();
        command.Text(1, recordId);
        command.Integer(2, replacedSeq);
        command.Text(3, replacedAt);
        command.Integer(4, key);
        command.Execute();
    }

    private void Layout(JsonElement payload, string syncedAt)
    {
        var count = 0;
        foreach (var property in payload.EnumerateObject())
        {
            if (count < _layout.Count && property.NameEquals(_layout[count].Name))
            {
                count++;
                continue;
            }

            var name = property.Name;
            if (!_keys.TryGetValue(name, out var index))
            {
                if (_columns.Count < MaxPayloadColumns)
                {
                    AddColumn(name, syncedAt);
                    index = _keys[name];
                }
                else
                {
                    index = -1;
                }
            }

            var entry = (Encoding.UTF8.GetBytes(name), index);
            if (count < _layout.Count)
            {
                _layout[count] = entry;
            }
            else
            {
                _layout.Add(entry);
            }

            count++;
        }

        if (_layout.Count > count)
        {
            _layout.RemoveRange(count, _layout.Count - count);
        }
    }

    private void Bind(RawStatement command, string recordId, JsonElement payload, string source, double confidence, long version, string syncedAt, string occurredAt, JsonCompactor nested)
    {
        if (_bound.Length != _columns.Count)
        {
            _bound = new bool[_columns.Count];
        }

        command.Text(1, recordId);
        command.Text(2, source);
        command.Real(3, confidence);
        command.Integer(4, version);
        command.Text(5, syncedAt);
        command.Text(6, occurredAt);
        Array.Clear(_bound);
        var position = 0;
        foreach (var property in payload.EnumerateObject())
        {
            var index = _layout[position++].Index;
            if (index < 0)
            {
                continue;
            }

            _bound[index] = true;
            var parameter = 7 + index;
            var value = property.Value;
            switch (value.ValueKind)
            {
                case JsonValueKind.String:
                    var rawText = JsonMarshal.GetRawUtf8Value(value);
                    if (rawText.Length >= 2 && rawText[0] == (byte)'"' && rawText.IndexOf((byte)'\\') < 0)
                    {
                        command.Utf8(parameter, rawText[1..^1]);
                    }
                    else
                    {
                        command.Text(parameter, value.GetString());
                    }

                    break;
                case JsonValueKind.Number:
                    if (value.TryGetInt64(out var integer))
                    {
                        command.Integer(parameter, integer);
                    }
                    else
                    {
                        command.Real(parameter, value.GetDouble());
                    }

                    break;
                case JsonValueKind.True:
                    command.Integer(parameter, 1);
                    break;
                case JsonValueKind.False:
                    command.Integer(parameter, 0);
                    break;
                case JsonValueKind.Object or JsonValueKind.Array:
                    if (!_isJson[index])
                    {
                        MarkJson(index);
                    }

                    command.Utf8(parameter, nested.Write(value));
                    break;
                default:
                    command.Null(parameter);
                    break;
            }
        }

        for (var i = 0; i < _bound.Length; i++)
        {
            if (!_bound[i])
            {
                command.Null(7 + i);
            }
        }
    }

    /// <summary>Deletes a record's row; <paramref name="hadRow"/> says whether it had one (its row count goes down by one).</summary>
    public void Delete(string recordId, bool hadRow)
    {
        _delete ??= new RawStatement(_connection, $"DELETE FROM {Identifiers.Quote(TableName)} WHERE record_id = ?1");
        _delete.Text(1, recordId);
        _delete.Execute();
        if (hadRow)
        {
            _rowChange--;
        }
    }

    public void Dispose()
    {
        _upsert?.Dispose();
        _delete?.Dispose();
        _preserve?.Dispose();
        _insertHistory?.Dispose();
        _countRows?.Dispose();
    }

    private void AddColumn(string key, string at)
    {
        var taken = new List<string>(_columns.Count + Identifiers.SystemColumns.Length);
        taken.AddRange(Identifiers.SystemColumns);
        taken.AddRange(_columns);
        var column = Identifiers.ForColumn(key, taken);
        using (var command = _connection.CreateCommand())
        {
            command.Transaction = _transaction;
            command.CommandText =
                $"ALTER TABLE {Identifiers.Quote(TableName)} ADD COLUMN {Identifiers.Quote(column)}; " +
                $"ALTER TABLE {Identifiers.Quote(HistoryTableName)} ADD COLUMN {Identifiers.Quote(column)}; " +
                "INSERT INTO mirror_columns (resource, key, column_name, position, added_at) VALUES ($resource, $key, $column, $position, $at); " +
                "INSERT INTO mirror_schema_changes (resource, change, key, column_name, changed_at) VALUES ($resource, 'add_column', $key, $column, $at)";
            command.Parameters.AddWithValue("$resource", Resource);
            command.Parameters.AddWithValue("$key", key);
            command.Parameters.AddWithValue("$column", column);
            command.Parameters.AddWithValue("$position", _columns.Count);
            command.Parameters.AddWithValue("$at", at);
            command.ExecuteNonQuery();
        }

        _keys[key] = _columns.Count;
        _columns.Add(column);
        _isJson.Add(false);
        SchemaChanged = true;
        _upsert?.Dispose();
        _upsert = null;
        _preserve?.Dispose();
        _preserve = null;
        _insertHistory?.Dispose();
        _insertHistory = null;
    }

    private void MarkJson(int index)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = "UPDATE mirror_columns SET is_json = 1 WHERE resource = $resource AND column_name = $column";
        command.Parameters.AddWithValue("$resource", Resource);
        command.Parameters.AddWithValue("$column", _columns[index]);
        command.ExecuteNonQuery();
        _isJson[index] = true;
    }

    private RawStatement BuildPreserve()
    {
        var names = new List<string>(Identifiers.SystemColumns);
        names.AddRange(_columns);
        var quoted = string.Join(", ", names.Select(Identifiers.Quote));
        var sql =
            $"INSERT INTO {Identifiers.Quote(HistoryTableName)} ({Identifiers.Quote(Key)}, {Identifiers.Quote(ReplacedSeq)}, {Identifiers.Quote(ReplacedAt)}, {quoted}) " +
            $"SELECT ?4, ?2, ?3, {quoted} FROM {Identifiers.Quote(TableName)} WHERE record_id = ?1";
        return new RawStatement(_connection, sql);
    }

    private RawStatement BuildHistoryInsert()
    {
        var names = new List<string>(Identifiers.SystemColumns);
        names.AddRange(_columns);
        names.Add(ReplacedSeq);
        names.Add(ReplacedAt);
        names.Add(Key);
        var sql =
            $"INSERT INTO {Identifiers.Quote(HistoryTableName)} ({string.Join(", ", names.Select(Identifiers.Quote))}) " +
            $"VALUES ({string.Join(", ", Enumerable.Range(1, names.Count).Select(i => "?" + i.ToString(CultureInfo.InvariantCulture)))})";
        return new RawStatement(_connection, sql);
    }

    private RawStatement BuildUpsert()
    {
        var names = new List<string>(Identifiers.SystemColumns);
        names.AddRange(_columns);
        var quoted = names.Select(Identifiers.Quote).ToList();
        var sql =
            $"INSERT INTO {Identifiers.Quote(TableName)} ({string.Join(", ", quoted)}) " +
            $"VALUES ({string.Join(", ", Enumerable.Range(1, names.Count).Select(i => "?" + i.ToString(CultureInfo.InvariantCulture)))}) " +
            $"ON CONFLICT (record_id) DO UPDATE SET {string.Join(", ", quoted.Skip(1).Select(q => q + " = excluded." + q))}";
        return new RawStatement(_connection, sql);
    }
}
