using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace OxideMirror.PostgreSql;

/// <summary>
/// One resource's agent-facing table in PostgreSQL, kept in the page's transaction: <c>record_id</c> (the key), the system
/// columns (<c>_source</c>, <c>_confidence</c>, <c>_version</c>, <c>_synced_at</c>, <c>_occurred_at</c>) and one typed
/// column per top-level payload key seen with a non-null value: a string makes it <c>text</c>, an integer that fits 64
/// bits <c>bigint</c>, any other number <c>numeric</c>, a boolean <c>boolean</c>, an object or array <c>jsonb</c>. A
/// <c>bigint</c> column meeting a fraction, an exponent or an integer past 64 bits widens to <c>numeric</c> (exact: every
/// JSON number reads back as the same number); a value of another kind than its column's widens the column to
/// <c>text</c> (each value then as its JSON text, a string as itself), so no payload is ever refused for its shape.
/// Deleted records are removed. Creating a table takes the mirror's schema lock, changing a table's columns that
/// resource's columns lock (both until the page commits), so workers on different sources that meet one new resource or
/// key create it once; a page creating a table holds off other pages creating one until it commits.
/// </summary>
internal sealed class PgResourceTable
{
    /// <summary>The most payload columns a table gets (PostgreSQL allows 1,600 in all); later keys stay in <c>mirror_records.payload</c>.</summary>
    public const int MaxPayloadColumns = 1000;

    private static readonly string[] SystemColumns = ["record_id", "_source", "_confidence", "_version", "_synced_at", "_occurred_at"];

    private readonly string _schema;
    private readonly string _lockScope;
    private readonly Dictionary<string, (string Column, string Type)> _columns = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly Dictionary<string, Row> _pending = new(StringComparer.Ordinal);

    private PgResourceTable(string schema, string lockScope, string resource, string tableName)
    {
        _schema = schema;
        _lockScope = lockScope;
        Resource = resource;
        TableName = tableName;
    }

    public string Resource { get; }

    public string TableName { get; }

    private string Qualified => PgNames.Quote(_schema) + "." + PgNames.Quote(TableName);

    /// <summary>
    /// Loads the table of a resource, creating it (under the schema lock) when the resource is new: <c>record_id</c>, a
    /// column for each key of <paramref name="firstPayload"/> (the payload of the delta that meets the resource first,
    /// if it has one) with a non-null value, then the system columns. A grouped query over payload columns then reads
    /// past no system column to reach them; keys seen later are added after the system columns.
    /// </summary>
    public static async Task<PgResourceTable> LoadOrCreateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, string lockScope, string agentRole, string resource, JsonElement firstPayload, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (await LoadAsync(connection, transaction, schema, lockScope, resource, cancellationToken).ConfigureAwait(false) is { } found)
        {
            return found;
        }

        await LockSchemaAsync(connection, transaction, lockScope, cancellationToken).ConfigureAwait(false);
        if (await LoadAsync(connection, transaction, schema, lockScope, resource, cancellationToken).ConfigureAwait(false) is { } created)
        {
            return created;
        }

        var taken = new List<string>();
        await using (var names = PgSql.Command(connection, transaction,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 UNION SELECT table_name FROM " + PgNames.Quote(schema) + ".mirror_resources", schema))
        await using (var reader = await names.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                taken.Add(reader.GetString(0));
            }
        }

        var tableName = DeltaRules.TableName(resource, taken, PgNames.Reserved);
        var table = new PgResourceTable(schema, lockScope, resource, tableName);
        var columnNames = new List<string>(SystemColumns);
        var definitions = new StringBuilder();
        if (firstPayload.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in firstPayload.EnumerateObject())
            {
                if (TypeOf(property.Value) is not { } type || table._columns.ContainsKey(property.Name) || table._columns.Count >= MaxPayloadColumns)
                {
                    continue;
                }

                var column = DeltaRules.ColumnName(property.Name, columnNames, PgNames.Reserved);
                columnNames.Add(column);
                table._columns[property.Name] = (column, type);
                table._order.Add(property.Name);
                definitions.Append(", ").Append(PgNames.Quote(column)).Append(' ').Append(type);
            }
        }

        await PgSql.ExecuteAsync(connection, transaction,
            $"CREATE TABLE {table.Qualified} (record_id text PRIMARY KEY{definitions}, _source text NOT NULL, _confidence double precision NOT NULL, _version bigint NOT NULL, _synced_at timestamptz NOT NULL, _occurred_at timestamptz NOT NULL)",
            cancellationToken).ConfigureAwait(false);
        await PgSql.ExecuteAsync(connection, transaction,
            $"INSERT INTO {PgNames.Quote(schema)}.mirror_resources (name, table_name, first_seen_at) VALUES ($1, $2, $3)",
            cancellationToken, resource, tableName, at).ConfigureAwait(false);
        if (table._order.Count > 0)
        {
            await PgSql.ExecuteAsync(connection, transaction,
                $"INSERT INTO {PgNames.Quote(schema)}.mirror_columns (resource, key, column_name, column_type, position) SELECT $1, u.key, u.column_name, u.column_type, u.ord - 1 FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u(key, column_name, column_type, ord)",
                cancellationToken,
                resource,
                PgArrays.Text(table._order),
                PgArrays.Text(table._order.Select(k => table._columns[k].Column).ToList()),
                PgArrays.Text(table._order.Select(k => table._columns[k].Type).ToList())).ConfigureAwait(false);
        }

        if (await PgSql.ScalarAsync(connection, transaction, "SELECT 1 FROM pg_roles WHERE rolname = $1", cancellationToken, agentRole).ConfigureAwait(false) is not null)
        {
            await PgSql.ExecuteAsync(connection, transaction, $"GRANT SELECT ON {table.Qualified} TO {PgNames.Quote(agentRole)}", cancellationToken).ConfigureAwait(false);
        }

        return table;
    }

    /// <summary>Gets whether writing <paramref name="payload"/> needs a column added or widened first (<see cref="EnsureColumnsAsync"/>).</summary>
    public bool NeedsColumns(JsonElement payload)
    {
        foreach (var property in payload.EnumerateObject())
        {
            if (TypeOf(property.Value) is not { } type)
            {
                continue;
            }

            if (_columns.TryGetValue(property.Name, out var column) ? Widened(column.Type, type) != column.Type : _columns.Count < MaxPayloadColumns)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Adds and widens the columns <paramref name="payload"/> needs; the caller writes the rows it queued before first.</summary>
    public async Task EnsureColumnsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, JsonElement payload, CancellationToken cancellationToken)
    {
        foreach (var property in payload.EnumerateObject())
        {
            var type = TypeOf(property.Value);
            if (type is null)
            {
                continue;
            }

            if (!_columns.TryGetValue(property.Name, out var column))
            {
                if (_columns.Count < MaxPayloadColumns)
                {
                    await AddColumnAsync(connection, transaction, property.Name, type, cancellationToken).ConfigureAwait(false);
                }
            }
            else if (Widened(column.Type, type) != column.Type)
            {
                await WidenAsync(connection, transaction, property.Name, type, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Queues a live record's row: every known column, from the payload's keys (null for a key it lacks). A later write of the record replaces it.</summary>
    public void QueueUpsert(string recordId, JsonElement payload, string source, double confidence, long version, DateTimeOffset occurredAt)
    {
        var values = new string?[_order.Count];
        for (var i = 0; i < _order.Count; i++)
        {
            values[i] = payload.TryGetProperty(_order[i], out var value) ? TextOf(value) : null;
        }

        _pending[recordId] = new Row(source, confidence, version, occurredAt, values);
    }

    /// <summary>Queues the removal of a deleted record's row. A later write of the record replaces it.</summary>
    public void QueueDelete(string recordId) => _pending[recordId] = default;

    /// <summary>
    /// Adds the queued rows to <paramref name="batch"/> — one multi-row upsert (<c>unnest</c> of one array per column)
    /// and one delete — and forgets them. Every queued row has the columns known now: the page writes the queue before
    /// any column changes.
    /// </summary>
    public void AddPendingWrites(NpgsqlBatch batch, DateTimeOffset syncedAt)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var deletes = new List<string>();
        var ids = new List<string>(_pending.Count);
        var sources = new List<string>(_pending.Count);
        var confidences = new List<double>(_pending.Count);
        var versions = new List<long>(_pending.Count);
        var occurred = new List<DateTime>(_pending.Count);
        var columns = new List<string?>[_order.Count];
        for (var c = 0; c < columns.Length; c++)
        {
            columns[c] = new List<string?>(_pending.Count);
        }

        foreach (var (recordId, row) in _pending)
        {
            if (row.Values is null)
            {
                deletes.Add(recordId);
                continue;
            }

            ids.Add(recordId);
            sources.Add(row.Source);
            confidences.Add(row.Confidence);
            versions.Add(row.Version);
            occurred.Add(row.OccurredAt.UtcDateTime);
            for (var c = 0; c < columns.Length; c++)
            {
                columns[c].Add(row.Values[c]);
            }
        }

        _pending.Clear();
        if (deletes.Count > 0)
        {
            var delete = new NpgsqlBatchCommand($"DELETE FROM {Qualified} WHERE record_id = ANY($1::text[])");
            delete.Parameters.Add(PgArrays.Text(deletes));
            batch.BatchCommands.Add(delete);
        }

        if (ids.Count == 0)
        {
            return;
        }

        var sql = new StringBuilder("INSERT INTO ").Append(Qualified).Append(" (record_id, _source, _confidence, _version, _synced_at, _occurred_at");
        foreach (var key in _order)
        {
            sql.Append(", ").Append(PgNames.Quote(_columns[key].Column));
        }

        sql.Append(") SELECT u.c0, u.c1, u.c2, u.c3, $5, u.c4");
        for (var i = 0; i < _order.Count; i++)
        {
            sql.Append(CultureInfo.InvariantCulture, $", CAST(u.v{i} AS {_columns[_order[i]].Type})");
        }

        sql.Append(" FROM unnest($1::text[], $2::text[], $3::float8[], $4::int8[], $6::timestamptz[]");
        for (var i = 0; i < _order.Count; i++)
        {
            sql.Append(CultureInfo.InvariantCulture, $", ${i + 7}::text[]");
        }

        sql.Append(") AS u(c0, c1, c2, c3, c4");
        for (var i = 0; i < _order.Count; i++)
        {
            sql.Append(CultureInfo.InvariantCulture, $", v{i}");
        }

        sql.Append(") ON CONFLICT (record_id) DO UPDATE SET _source = EXCLUDED._source, _confidence = EXCLUDED._confidence, _version = EXCLUDED._version, _synced_at = EXCLUDED._synced_at, _occurred_at = EXCLUDED._occurred_at");
        foreach (var key in _order)
        {
            var name = PgNames.Quote(_columns[key].Column);
            sql.Append(", ").Append(name).Append(" = EXCLUDED.").Append(name);
        }

        var upsert = new NpgsqlBatchCommand(sql.ToString());
        upsert.Parameters.Add(PgArrays.Text(ids));
        upsert.Parameters.Add(PgArrays.Text(sources));
        upsert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double, Value = confidences.ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, Value = versions.ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = syncedAt });
        upsert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, Value = occurred.ToArray() });
        foreach (var column in columns)
        {
            upsert.Parameters.Add(PgArrays.Text(column));
        }

        batch.BatchCommands.Add(upsert);
    }

    private static async Task<PgResourceTable?> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, string lockScope, string resource, CancellationToken cancellationToken)
    {
        if (await PgSql.ScalarAsync(connection, transaction, $"SELECT table_name FROM {PgNames.Quote(schema)}.mirror_resources WHERE name = $1", cancellationToken, resource).ConfigureAwait(false) is not string tableName)
        {
            return null;
        }

        var table = new PgResourceTable(schema, lockScope, resource, tableName);
        await table.LoadColumnsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        return table;
    }

    private async Task LoadColumnsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        _columns.Clear();
        _order.Clear();
        await using var command = PgSql.Command(connection, transaction, $"SELECT key, column_name, column_type FROM {PgNames.Quote(_schema)}.mirror_columns WHERE resource = $1 ORDER BY position", Resource);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            _columns[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2));
            _order.Add(reader.GetString(0));
        }
    }

    private async Task AddColumnAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string key, string type, CancellationToken cancellationToken)
    {
        await LockColumnsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await LoadColumnsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        if (_columns.ContainsKey(key))
        {
            return; // another worker added it first
        }

        var taken = new List<string>(SystemColumns);
        taken.AddRange(_columns.Values.Select(c => c.Column));
        var column = DeltaRules.ColumnName(key, taken, PgNames.Reserved);
        await PgSql.ExecuteAsync(connection, transaction, $"ALTER TABLE {Qualified} ADD COLUMN {PgNames.Quote(column)} {type}", cancellationToken).ConfigureAwait(false);
        await PgSql.ExecuteAsync(connection, transaction,
            $"INSERT INTO {PgNames.Quote(_schema)}.mirror_columns (resource, key, column_name, column_type, position) VALUES ($1, $2, $3, $4, $5)",
            cancellationToken, Resource, key, column, type, _order.Count).ConfigureAwait(false);
        _columns[key] = (column, type);
        _order.Add(key);
    }

    /// <summary>Widens a column to hold a value of type <paramref name="valueType"/> as well as the values it holds (after another worker's widening, maybe to nothing).</summary>
    private async Task WidenAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string key, string valueType, CancellationToken cancellationToken)
    {
        await LockColumnsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await LoadColumnsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var (column, type) = _columns[key];
        var widened = Widened(type, valueType);
        if (widened == type)
        {
            return;
        }

        var name = PgNames.Quote(column);
        await PgSql.ExecuteAsync(connection, transaction, $"ALTER TABLE {Qualified} ALTER COLUMN {name} TYPE {widened} USING {name}::{widened}", cancellationToken).ConfigureAwait(false);
        await PgSql.ExecuteAsync(connection, transaction,
            $"UPDATE {PgNames.Quote(_schema)}.mirror_columns SET column_type = $3 WHERE resource = $1 AND key = $2", cancellationToken, Resource, key, widened).ConfigureAwait(false);
        _columns[key] = (column, widened);
    }

    private Task<int> LockColumnsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        PgSql.ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", cancellationToken, PgLocks.ColumnsKey(_lockScope, Resource));

    private static Task<int> LockSchemaAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string lockScope, CancellationToken cancellationToken) =>
        PgSql.ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", cancellationToken, PgLocks.SchemaKey(lockScope));

    /// <summary>Gets the column type a value makes: <c>text</c>, <c>bigint</c> (an integer written without fraction or exponent that fits 64 bits), <c>numeric</c>, <c>boolean</c>, <c>jsonb</c>; null for null.</summary>
    internal static string? TypeOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "text",
        JsonValueKind.Number => value.TryGetInt64(out _) && IsPlainInteger(value.GetRawText()) ? "bigint" : "numeric",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Object or JsonValueKind.Array => "jsonb",
        _ => null,
    };

    /// <summary>
    /// Gets the type a column of type <paramref name="column"/> must have to hold a value of type <paramref name="value"/>
    /// too: the column's own when it holds it already (<c>numeric</c> holds <c>bigint</c>'s integers, <c>text</c> every
    /// value's text), <c>numeric</c> for a <c>bigint</c> column meeting a <c>numeric</c> value, else <c>text</c>.
    /// </summary>
    internal static string Widened(string column, string value) => (column, value) switch
    {
        _ when column == value => column,
        ("text", _) => "text",
        ("numeric", "bigint") => "numeric",
        ("bigint", "numeric") => "numeric",
        _ => "text",
    };

    /// <summary>Gets whether a JSON number is written as digits only (an optional minus, no fraction, no exponent), so that it reads back from <c>bigint</c> as written.</summary>
    private static bool IsPlainInteger(string raw)
    {
        for (var i = raw.StartsWith('-') ? 1 : 0; i < raw.Length; i++)
        {
            if (!char.IsAsciiDigit(raw[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Gets the text a value is written as: a string as itself, a boolean as <c>true</c>/<c>false</c>, a number, object or
    /// array as its JSON text (which numeric, jsonb and text all read). PostgreSQL's text and jsonb cannot hold U+0000,
    /// so the resource table has U+FFFD in its place; <c>mirror_records.payload</c> (json) keeps the payload exactly.
    /// </summary>
    private static string? TextOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String => value.GetString()!.Replace('\0', '\uFFFD'),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText().Replace("\\u0000", "\\ufffd", StringComparison.OrdinalIgnoreCase),
    };

    /// <summary>A queued row: <see cref="Values"/> (aligned with the known columns) null for a delete.</summary>
    private readonly record struct Row(string Source, double Confidence, long Version, DateTimeOffset OccurredAt, string?[]? Values);
}
