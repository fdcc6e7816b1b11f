using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace OxideMirror.Benchmarks;

/// <summary>
/// The PostgreSQL comparison point for <c>--postgres</c>: the fastest plain Npgsql code we can write that does a page's
/// essential writes — read the page's records' versions, insert the events, upsert the records, upsert each resource's
/// typed table rows, store the cursor — in one transaction per page, over the store's own tables (created by opening a
/// <c>PostgresMirrorStore</c> on the database first) and plain typed tables it creates. Two round trips a page: one
/// lookup, then one <see cref="NpgsqlBatch"/> of multi-row statements (<c>unnest</c> of arrays); with
/// <see cref="Copy"/> the events go in by binary <c>COPY</c> instead.
/// </summary>
internal sealed class PgRawWriter(NpgsqlConnection connection, bool copy) : IAsyncDisposable
{
    private static readonly (string Resource, string[] Columns, string[] Types)[] Tables =
    [
        ("customers", ["name", "email", "country", "tier", "balance", "active", "notes"], ["text", "text", "text", "bigint", "numeric", "boolean", "text"]),
        ("orders", ["customer_id", "status", "amount", "currency", "items", "placed_at", "comment"], ["text", "text", "numeric", "text", "bigint", "text", "text"]),
        ("tickets", ["customer_id", "priority", "status", "title", "labels", "body"], ["text", "text", "text", "text", "jsonb", "text"]),
    ];

    /// <summary>Gets whether the events are written with binary COPY rather than a multi-row insert.</summary>
    public bool Copy { get; } = copy;

    /// <summary>Creates the typed tables (<c>raw_customers</c>, …) in the mirror's schema, typed and ordered as the store makes them (integers <c>bigint</c>, amounts <c>numeric</c>; the payload's columns, then the system columns).</summary>
    public static async Task CreateTablesAsync(NpgsqlConnection connection)
    {
        foreach (var (resource, columns, types) in Tables)
        {
            var list = string.Join(", ", columns.Select((c, i) => $"{c} {types[i]}"));
            await using var create = new NpgsqlCommand(
                $"CREATE TABLE oxidemirror.raw_{resource} (record_id text PRIMARY KEY, {list}, _source text NOT NULL, _confidence double precision NOT NULL, _version bigint NOT NULL, _synced_at timestamptz NOT NULL, _occurred_at timestamptz NOT NULL)",
                connection);
            await create.ExecuteNonQueryAsync();
        }
    }

    public async Task WritePageAsync(IReadOnlyList<Delta> page, string cursor)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        var now = DateTime.UtcNow;

        // The record lookup: every version of the page's records, one query.
        var versions = new Dictionary<(string, string), long>();
        await using (var find = new NpgsqlCommand(
            "SELECT resource, record_id, version FROM oxidemirror.mirror_records WHERE (resource, record_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))", connection, transaction))
        {
            find.Parameters.Add(Array(NpgsqlDbType.Text, page.Select(d => d.Resource).ToArray()));
            find.Parameters.Add(Array(NpgsqlDbType.Text, page.Select(d => d.RecordId).ToArray()));
            await using var reader = await find.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                versions[(reader.GetString(0), reader.GetString(1))] = reader.GetInt64(2);
            }
        }

        var eventVersions = new long[page.Count];
        var payloads = new string[page.Count];
        var last = new Dictionary<(string, string), int>();
        for (var i = 0; i < page.Count; i++)
        {
            var key = (page[i].Resource, page[i].RecordId);
            eventVersions[i] = versions[key] = versions.GetValueOrDefault(key) + 1;
            payloads[i] = page[i].Payload.GetRawText();
            last[key] = i;
        }

        if (Copy)
        {
            await using var importer = await connection.BeginBinaryImportAsync(
                "COPY oxidemirror.mirror_events (resource, record_id, op, payload, source, confidence, occurred_at, applied_at, applied, decision, strategy, version) FROM STDIN (FORMAT BINARY)");
            for (var i = 0; i < page.Count; i++)
            {
                var d = page[i];
                await importer.StartRowAsync();
                await importer.WriteAsync(d.Resource, NpgsqlDbType.Text);
                await importer.WriteAsync(d.RecordId, NpgsqlDbType.Text);
                await importer.WriteAsync("upsert", NpgsqlDbType.Text);
                await importer.WriteAsync(payloads[i], NpgsqlDbType.Json);
                await importer.WriteAsync(d.Provenance.Source, NpgsqlDbType.Text);
                await importer.WriteAsync(d.Provenance.Confidence, NpgsqlDbType.Double);
                await importer.WriteAsync(d.OccurredAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                await importer.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await importer.WriteAsync(true, NpgsqlDbType.Boolean);
                await importer.WriteAsync(eventVersions[i] == 1 ? "inserted" : "updated", NpgsqlDbType.Text);
                await importer.WriteAsync("raw", NpgsqlDbType.Text);
                await importer.WriteAsync(eventVersions[i], NpgsqlDbType.Bigint);
            }

            await importer.CompleteAsync();
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        if (!Copy)
        {
            var events = new NpgsqlBatchCommand(
                "INSERT INTO oxidemirror.mirror_events (resource, record_id, op, payload, source, confidence, occurred_at, applied_at, applied, decision, strategy, version) " +
                "SELECT u.r, u.id, 'upsert', u.p, u.s, u.c, u.o, $7, true, u.d, 'raw', u.v FROM unnest($1::text[], $2::text[], $3::json[], $4::text[], $5::float8[], $6::timestamptz[], $8::text[], $9::int8[]) WITH ORDINALITY AS u(r, id, p, s, c, o, d, v, n) ORDER BY u.n");
            events.Parameters.Add(Array(NpgsqlDbType.Text, page.Select(d => d.Resource).ToArray()));
            events.Parameters.Add(Array(NpgsqlDbType.Text, page.Select(d => d.RecordId).ToArray()));
            events.Parameters.Add(Array(NpgsqlDbType.Json, payloads));
            events.Parameters.Add(Array(NpgsqlDbType.Text, page.Select(d => d.Provenance.Source).ToArray()));
            events.Parameters.Add(Array(NpgsqlDbType.Double, page.Select(d => d.Provenance.Confidence).ToArray()));
            events.Parameters.Add(Array(NpgsqlDbType.TimestampTz, page.Select(d => d.OccurredAt.UtcDateTime).ToArray()));
            events.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now });
            events.Parameters.Add(Array(NpgsqlDbType.Text, eventVersions.Select(v => v == 1 ? "inserted" : "updated").ToArray()));
            events.Parameters.Add(Array(NpgsqlDbType.Bigint, eventVersions));
            batch.BatchCommands.Add(events);
        }

        var finals = last.Values.Order().ToArray();
        var records = new NpgsqlBatchCommand(
            "INSERT INTO oxidemirror.mirror_records (resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version) " +
            "SELECT u.r, u.id, u.p, u.s, $5, u.o, u.c, u.v FROM unnest($1::text[], $2::text[], $3::json[], $4::text[], $6::timestamptz[], $7::float8[], $8::int8[]) AS u(r, id, p, s, o, c, v) " +
            "ON CONFLICT (resource, record_id) DO UPDATE SET payload = EXCLUDED.payload, source = EXCLUDED.source, last_synced_at = EXCLUDED.last_synced_at, occurred_at = EXCLUDED.occurred_at, confidence = EXCLUDED.confidence, version = EXCLUDED.version");
        records.Parameters.Add(Array(NpgsqlDbType.Text, finals.Select(i => page[i].Resource).ToArray()));
        records.Parameters.Add(Array(NpgsqlDbType.Text, finals.Select(i => page[i].RecordId).ToArray()));
        records.Parameters.Add(Array(NpgsqlDbType.Json, finals.Select(i => payloads[i]).ToArray()));
        records.Parameters.Add(Array(NpgsqlDbType.Text, finals.Select(i => page[i].Provenance.Source).ToArray()));
        records.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now });
        records.Parameters.Add(Array(NpgsqlDbType.TimestampTz, finals.Select(i => page[i].OccurredAt.UtcDateTime).ToArray()));
        records.Parameters.Add(Array(NpgsqlDbType.Double, finals.Select(i => page[i].Provenance.Confidence).ToArray()));
        records.Parameters.Add(Array(NpgsqlDbType.Bigint, finals.Select(i => eventVersions[i]).ToArray()));
        batch.BatchCommands.Add(records);

        foreach (var (resource, columns, types) in Tables)
        {
            var rows = finals.Where(i => page[i].Resource == resource).ToArray();
            if (rows.Length == 0)
            {
                continue;
            }

            var casts = string.Join(", ", columns.Select((c, k) => $"CAST(u.v{k} AS {types[k]})"));
            var arrays = string.Join(", ", columns.Select((c, k) => $"${k + 7}::text[]"));
            var names = string.Join(", ", columns.Select((c, k) => $"v{k}"));
            var updates = string.Join(", ", columns.Select(c => $"{c} = EXCLUDED.{c}"));
            var upsert = new NpgsqlBatchCommand(
                $"INSERT INTO oxidemirror.raw_{resource} (record_id, _source, _confidence, _version, _synced_at, _occurred_at, {string.Join(", ", columns)}) " +
                $"SELECT u.id, u.s, u.c, u.v, $5, u.o, {casts} FROM unnest($1::text[], $2::text[], $3::float8[], $4::int8[], $6::timestamptz[], {arrays}) AS u(id, s, c, v, o, {names}) " +
                $"ON CONFLICT (record_id) DO UPDATE SET _source = EXCLUDED._source, _confidence = EXCLUDED._confidence, _version = EXCLUDED._version, _synced_at = EXCLUDED._synced_at, _occurred_at = EXCLUDED._occurred_at, {updates}");
            upsert.Parameters.Add(Array(NpgsqlDbType.Text, rows.Select(i => page[i].RecordId).ToArray()));
            upsert.Parameters.Add(Array(NpgsqlDbType.Text, rows.Select(i => page[i].Provenance.Source).ToArray()));
            upsert.Parameters.Add(Array(NpgsqlDbType.Double, rows.Select(i => page[i].Provenance.Confidence).ToArray()));
            upsert.Parameters.Add(Array(NpgsqlDbType.Bigint, rows.Select(i => eventVersions[i]).ToArray()));
            upsert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now });
            upsert.Parameters.Add(Array(NpgsqlDbType.TimestampTz, rows.Select(i => page[i].OccurredAt.UtcDateTime).ToArray()));
            foreach (var column in columns)
            {
                upsert.Parameters.Add(Array(NpgsqlDbType.Text, rows.Select(i => Text(page[i].Payload, column)).ToArray()));
            }

            batch.BatchCommands.Add(upsert);
        }

        var store = new NpgsqlBatchCommand(
            "INSERT INTO oxidemirror.mirror_cursors (source, resource, cursor, updated_at) VALUES ($1, '*', $2, $3) ON CONFLICT (source, resource) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = EXCLUDED.updated_at");
        store.Parameters.Add(new NpgsqlParameter { Value = page[^1].Provenance.Source });
        store.Parameters.Add(new NpgsqlParameter { Value = cursor });
        store.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now });
        batch.BatchCommands.Add(store);
        await batch.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }

    public ValueTask DisposeAsync() => connection.DisposeAsync();

    private static string? Text(JsonElement payload, string key) =>
        !payload.TryGetProperty(key, out var value) ? null : value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => value.GetString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => value.GetRawText(),
        };

    private static NpgsqlParameter Array<T>(NpgsqlDbType type, T[] values) => new() { NpgsqlDbType = NpgsqlDbType.Array | type, Value = values };
}
