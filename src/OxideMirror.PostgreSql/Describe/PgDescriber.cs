using System.Globalization;
using Npgsql;

namespace OxideMirror.PostgreSql;

/// <summary>
/// Builds a <see cref="MirrorDescription"/> of a PostgreSQL mirror from the catalog and a sample of each resource table:
/// columns with their PostgreSQL types (<c>format_type</c> of <c>pg_attribute</c>), which are indexed (<c>pg_index</c>),
/// record counts, null rates and examples, the freshness of each resource's sources, and likely join keys.
/// </summary>
/// <remarks>
/// A record count is exact up to <see cref="ExactCountRows"/> rows, counted through a bounded scan; a larger table's count
/// is the planner's own estimate (<c>pg_class.reltuples</c> scaled by the table's current pages over
/// <c>pg_class.relpages</c>), marked <see cref="ResourceDescription.RowCountEstimated"/>, so describing a mirror of
/// millions of records reads no more than that bound of each table. A large table the server has never analyzed has no
/// estimate and is counted exactly, once, until autovacuum (or <c>ANALYZE</c>) has run.
/// </remarks>
internal static class PgDescriber
{
    /// <summary>The most rows counted exactly; a table past it gets the planner's estimate.</summary>
    public const int ExactCountRows = 100_000;


    private static readonly Dictionary<string, string> InternalTables = new(StringComparer.Ordinal)
    {
        ["mirror_events"] = "every change ever received, applied or not (position, resource, record_id, op, payload, source, confidence, occurred_at, applied_at, applied, decision, version): history and audit",
        ["mirror_records"] = "every record's current JSON payload, with tombstones for deleted records (deleted_at not null)",
        ["mirror_cursors"] = "each source's sync position and when it last advanced (updated_at)",
        ["mirror_resources"] = "each resource and the table it is read through",
        ["mirror_columns"] = "each resource's payload keys and the column each is read through",
    };

    private static readonly HashSet<string> UnjoinableTypes = new(StringComparer.Ordinal) { "jsonb", "json", "boolean", "double precision", "real", "bytea" };

    public static async Task<MirrorDescription> DescribeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PostgresMirrorStoreOptions options, CancellationToken cancellationToken, int exactCountRows = ExactCountRows)
    {
        var schema = options.Schema;
        var q = PgNames.Quote(schema);
        var resources = new List<(string Name, string Table, double RelTuples, long RelPages, long Pages)>();
        await using (var command = PgSql.Command(connection, transaction,
            $"""
            SELECT r.name, r.table_name, coalesce(c.reltuples, -1)::float8, coalesce(c.relpages, 0)::bigint,
                   coalesce(pg_relation_size(c.oid) / current_setting('block_size')::bigint, 0)
            FROM {q}.mirror_resources r
            JOIN pg_namespace n ON n.nspname = $1
            LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = r.table_name
            ORDER BY r.table_name
            """, schema))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                resources.Add((reader.GetString(0), reader.GetString(1), reader.GetDouble(2), reader.GetInt64(3), reader.GetInt64(4)));
            }
        }

        var types = await PairsAsync(connection, transaction,
            """
            SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY c.relname, a.attnum
            """, cancellationToken, schema).ConfigureAwait(false);
        var indexed = await PairsAsync(connection, transaction,
            """
            SELECT c.relname, a.attname, ''
            FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
            WHERE n.nspname = $1
            """, cancellationToken, schema).ConfigureAwait(false);
        var keys = await PairsAsync(connection, transaction, $"SELECT resource, column_name, key FROM {q}.mirror_columns", cancellationToken).ConfigureAwait(false);
        var freshness = new Dictionary<string, List<ResourceFreshness>>(StringComparer.Ordinal);
        await using (var command = PgSql.Command(connection, transaction,
            $"SELECT rs.resource, rs.source, s.last_synced_at FROM {q}.mirror_resource_sources rs JOIN {q}.mirror_sources s ON s.source = rs.source ORDER BY rs.resource, rs.source"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var resource = reader.GetString(0);
                if (!freshness.TryGetValue(resource, out var list))
                {
                    freshness[resource] = list = [];
                }

                list.Add(new ResourceFreshness(resource, reader.GetString(1), new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc))));
            }
        }

        var tables = new List<(ResourceDescription Description, List<string?[]> Sample)>();
        foreach (var (name, table, relTuples, relPages, pages) in resources)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var columnTypes = types.TryGetValue(table, out var t) ? t : [];
            if (columnTypes.Count == 0)
            {
                continue; // the resource's table is being created by a page not yet committed
            }

            var qualified = q + "." + PgNames.Quote(table);
            var (count, estimated) = await CountAsync(connection, transaction, qualified, relTuples, relPages, pages, exactCountRows, cancellationToken).ConfigureAwait(false);
            var sample = await SampleAsync(connection, transaction, qualified, columnTypes.Count, cancellationToken).ConfigureAwait(false);
            var indexedColumns = indexed.TryGetValue(table, out var ix) ? ix.Select(p => p.Name).ToHashSet(StringComparer.Ordinal) : [];
            var keyOf = keys.TryGetValue(name, out var k) ? k.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal) : [];
            var columns = new List<ColumnDescription>(columnTypes.Count);
            for (var i = 0; i < columnTypes.Count; i++)
            {
                var values = sample.Select(r => r[i]).ToList();
                var nonNull = values.Where(v => v is not null).Select(v => v!).ToList();
                var nullRate = values.Count == 0 ? 0 : (double)(values.Count - nonNull.Count) / values.Count;
                keyOf.TryGetValue(columnTypes[i].Name, out var key);
                columns.Add(new ColumnDescription(
                    columnTypes[i].Name,
                    key,
                    columnTypes[i].Value,
                    Math.Round(nullRate, 3),
                    nonNull.Select(Show).Distinct(StringComparer.Ordinal).Take(3).ToList(),
                    indexedColumns.Contains(columnTypes[i].Name)));
            }

            var description = new ResourceDescription(name, table, count, columns, freshness.TryGetValue(name, out var f) ? f : [])
            {
                RowCountEstimated = estimated,
            };
            tables.Add((description, sample));
        }

        var joins = await JoinKeysAsync(connection, transaction, q, tables, cancellationToken).ConfigureAwait(false);
        return new MirrorDescription(QueryDialect.PostgreSql, tables.Select(x => x.Description).ToList(), joins, InternalTables, options.QueryTimeout, options.MaxQueryRows, options.MaxQueryBytes);
    }

    /// <summary>Counts a table exactly up to <see cref="ExactCountRows"/> rows; past that, returns the planner's estimate when the table was analyzed, else counts it all.</summary>
    private static async Task<(long Count, bool Estimated)> CountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string qualified, double relTuples, long relPages, long pages, int exactCountRows, CancellationToken cancellationToken)
    {
        var bounded = Convert.ToInt64(
            await PgSql.ScalarAsync(connection, transaction, string.Create(CultureInfo.InvariantCulture, $"SELECT count(*) FROM (SELECT 1 FROM {qualified} LIMIT {exactCountRows + 1}) s"), cancellationToken).ConfigureAwait(false),
            CultureInfo.InvariantCulture);
        if (bounded <= exactCountRows)
        {
            return (bounded, false);
        }

        if (relTuples > 0 && relPages > 0)
        {
            // The planner's own rule: the density seen at the last ANALYZE, times the table's current size.
            var estimate = (long)Math.Round(relTuples / relPages * Math.Max(pages, relPages));
            return (Math.Max(estimate, bounded), true);
        }

        var exact = Convert.ToInt64(await PgSql.ScalarAsync(connection, transaction, $"SELECT count(*) FROM {qualified}", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        return (exact, false);
    }

    /// <summary>Reads up to <see cref="JoinKeyRule.SampleRows"/> rows of a table, every value as its text.</summary>
    private static async Task<List<string?[]>> SampleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string qualified, int width, CancellationToken cancellationToken)
    {
        var rows = new List<string?[]>();
        await using var command = PgSql.Command(connection, transaction, string.Create(CultureInfo.InvariantCulture, $"SELECT * FROM {qualified} LIMIT {JoinKeyRule.SampleRows}"));
        command.AllResultTypesAreUnknown = true;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var row = new string?[width];
            for (var i = 0; i < Math.Min(width, reader.FieldCount); i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>
    /// Finds likely joins by <see cref="JoinKeyRule"/>, as the SQLite store does: a payload column whose sampled values
    /// are found in another table's <c>record_id</c> or same-named column (all of it when that is <c>record_id</c> or an
    /// indexed text column, else its table's sample).
    /// </summary>
    private static async Task<List<JoinKey>> JoinKeysAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string q, List<(ResourceDescription Description, List<string?[]> Sample)> tables, CancellationToken cancellationToken)
    {
        var joins = new List<JoinKey>();
        var sampled = new Dictionary<ColumnDescription, HashSet<string>>(ReferenceEqualityComparer.Instance);
        foreach (var (from, sample) in tables)
        {
            for (var c = 0; c < from.Columns.Count; c++)
            {
                var column = from.Columns[c];
                if (column.Key is null || UnjoinableTypes.Contains(column.Type))
                {
                    continue;
                }

                var values = sample.Select(r => r[c]).Where(v => v is not null).Select(v => v!).Distinct(StringComparer.Ordinal).Take(JoinKeyRule.JoinSample).ToArray();
                if (values.Length == 0)
                {
                    continue;
                }

                foreach (var (to, toSample) in tables)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (ReferenceEquals(to, from))
                    {
                        continue;
                    }

                    foreach (var target in to.Columns.Where(t => t.Name == "record_id" || (t.Key is not null && string.Equals(t.Name, column.Name, StringComparison.OrdinalIgnoreCase))))
                    {
                        double rate;
                        if (target.Type == "text" && (target.Indexed || target.Name == "record_id"))
                        {
                            var sql = $"SELECT count(DISTINCT {PgNames.Quote(target.Name)}) FROM {q}.{PgNames.Quote(to.Table)} WHERE {PgNames.Quote(target.Name)} = ANY($1::text[])";
                            var screen = JoinKeyRule.ScreenSize(values.Length);
                            if (screen > 0 && !JoinKeyRule.PassesScreen(await FoundAsync(connection, transaction, sql, values[..screen], cancellationToken).ConfigureAwait(false)))
                            {
                                continue;
                            }

                            rate = JoinKeyRule.Rate(await FoundAsync(connection, transaction, sql, values, cancellationToken).ConfigureAwait(false), values.Length);
                        }
                        else
                        {
                            var inSample = JoinKeyRule.SampledValues(to.Columns, toSample, target, sampled, StringComparer.Ordinal);
                            rate = JoinKeyRule.Rate(values.Count(inSample.Contains), values.Length);
                        }

                        if (rate >= JoinKeyRule.MinimumRate)
                        {
                            joins.Add(new JoinKey(from.Table, column.Name, to.Table, target.Name, rate, column.Indexed && (target.Indexed || target.Name == "record_id")));
                        }
                    }
                }
            }
        }

        joins.Sort((a, b) => b.MatchRate.CompareTo(a.MatchRate) is var r && r != 0 ? r : b.Indexed.CompareTo(a.Indexed));
        return joins;
    }

    /// <summary>Runs a join probe: how many distinct of <paramref name="values"/> its target holds.</summary>
    private static async Task<long> FoundAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, string[] values, CancellationToken cancellationToken) =>
        Convert.ToInt64(await PgSql.ScalarAsync(connection, transaction, sql, cancellationToken, (object)values).ConfigureAwait(false), CultureInfo.InvariantCulture);

    /// <summary>Reads (group, name, value) rows into lists per group, in the order read.</summary>
    private static async Task<Dictionary<string, List<(string Name, string Value)>>> PairsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        var result = new Dictionary<string, List<(string Name, string Value)>>(StringComparer.Ordinal);
        await using var command = PgSql.Command(connection, transaction, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var group = reader.GetString(0);
            if (!result.TryGetValue(group, out var list))
            {
                result[group] = list = [];
            }

            list.Add((reader.GetString(1), reader.GetString(2)));
        }

        return result;
    }

    private static string Show(string text)
    {
        text = text.ReplaceLineEndings(" ");
        return text.Length <= 40 ? text : text[..39] + "…";
    }
}
