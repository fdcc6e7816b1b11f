using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// One resource's agent-facing table, kept in the writer's transaction: <c>record_id</c>, the system columns
/// (<c>_source</c>, <c>_confidence</c>, <c>_version</c>, <c>_synced_at</c>, <c>_occurred_at</c>) and one column per
/// top-level payload key seen so far. Scalars are stored as SQLite values (booleans as 0/1), objects and arrays as
/// JSON text. Deleted records are removed. Columns carry no declared type, so values keep their own storage class.
/// </summary>
internal sealed class ResourceTable : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly List<string> _columns = [];
    private readonly List<bool> _isJson = [];
    private readonly Dictionary<string, int> _keys = new(StringComparer.Ordinal);
    private RawStatement? _upsert;
    private RawStatement? _delete;
    private SqliteTransaction? _transaction;
    private object?[] _values = [];

    private ResourceTable(SqliteConnection connection, string resource, string tableName)
    {
        _connection = connection;
        Resource = resource;
        TableName = tableName;
    }

    public string Resource { get; }

    public string TableName { get; }

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
        command.CommandText =
            $"CREATE TABLE {Identifiers.Quote(tableName)} (record_id TEXT PRIMARY KEY NOT NULL, _source TEXT NOT NULL, _confidence REAL NOT NULL, " +
            "_version INTEGER NOT NULL, _synced_at TEXT NOT NULL, _occurred_at TEXT NOT NULL)";
        command.ExecuteNonQuery();
        command.CommandText =
            "INSERT INTO mirror_resources (name, table_name, first_seen_at) VALUES ($name, $table, $at); " +
            "INSERT INTO mirror_schema_changes (resource, change, column_name, changed_at) VALUES ($name, 'create_table', $table, $at)";
        command.Parameters.AddWithValue("$name", resource);
        command.Parameters.AddWithValue("$table", tableName);
        command.Parameters.AddWithValue("$at", at);
        command.ExecuteNonQuery();
        return new ResourceTable(connection, resource, tableName) { SchemaChanged = true };
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

        var name = "ix_" + TableName + "_" + column;
        if (name.Length > 120)
        {
            name = name[..120];
        }

        using var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = $name";
        command.Parameters.AddWithValue("$name", name);
        if ((long)command.ExecuteScalar()! > 0)
        {
            return name;
        }

        command.CommandText =
            $"CREATE INDEX {Identifiers.Quote(name)} ON {Identifiers.Quote(TableName)} ({Identifiers.Quote(column)}); " +
            "INSERT INTO mirror_schema_changes (resource, change, key, column_name, changed_at) VALUES ($resource, 'create_index', $key, $column, $at)";
        command.Parameters.AddWithValue("$resource", Resource);
        command.Parameters.AddWithValue("$key", field);
        command.Parameters.AddWithValue("$column", column);
        command.Parameters.AddWithValue("$at", at);
        command.ExecuteNonQuery();
        SchemaChanged = true;
        return name;
    }

    public void Begin(SqliteTransaction transaction)
    {
        _transaction = transaction;
    }

    /// <summary>Writes a record's row, adding a column for each payload key not seen before.</summary>
    public void Upsert(string recordId, JsonElement payload, string source, double confidence, long version, string syncedAt, string occurredAt, Func<JsonElement, string> compact)
    {
        foreach (var property in payload.EnumerateObject())
        {
            if (!_keys.ContainsKey(property.Name))
            {
                AddColumn(property.Name, syncedAt);
            }
        }

        var command = _upsert ??= BuildUpsert();
        Array.Clear(_values);
        foreach (var property in payload.EnumerateObject())
        {
            var value = property.Value;
            var index = _keys[property.Name];
            if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array && !_isJson[index])
            {
                MarkJson(index);
            }

            _values[index] = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.TryGetInt64(out var l) ? l : value.GetDouble(),
                JsonValueKind.True => 1L,
                JsonValueKind.False => 0L,
                JsonValueKind.Null => null,
                _ => compact(value),
            };
        }

        command.Text(1, recordId);
        command.Text(2, source);
        command.Real(3, confidence);
        command.Integer(4, version);
        command.Text(5, syncedAt);
        command.Text(6, occurredAt);
        for (var i = 0; i < _values.Length; i++)
        {
            command.Value(7 + i, _values[i]);
        }

        command.Execute();
    }

    public void Delete(string recordId)
    {
        _delete ??= new RawStatement(_connection, $"DELETE FROM {Identifiers.Quote(TableName)} WHERE record_id = ?1");
        _delete.Text(1, recordId);
        _delete.Execute();
    }

    public void Dispose()
    {
        _upsert?.Dispose();
        _delete?.Dispose();
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

    private RawStatement BuildUpsert()
    {
        _values = new object?[_columns.Count];
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
