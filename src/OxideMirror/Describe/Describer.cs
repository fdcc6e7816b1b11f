using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>Builds a <see cref="MirrorDescription"/> from the database and a sample of each resource table.</summary>
internal static class Describer
{
    private const int SampleRows = 1000;
    private const int JoinSample = 200;

    /// <summary>
    /// How many rows of a join's target column are read when it has no index: a bound on the scan, so that describing a
    /// mirror of millions of records stays fast (an indexed target, and record_id, is probed value by value instead).
    /// </summary>
    private const int UnindexedTargetRows = 20_000;

    private static readonly Dictionary<string, string> InternalTables = new(StringComparer.Ordinal)
    {
        ["mirror_events"] = "every change ever received, applied or not (seq, resource, record_id, op, payload, source, confidence, occurred_at, applied_at, applied, decision, version): history and audit",
        ["mirror_records"] = "every record's current JSON payload, with tombstones for deleted records (deleted_at not null)",
        ["mirror_cursors"] = "each source's sync position and when it last advanced (updated_at)",
        ["mirror_resources"] = "each resource and the table it is read through",
    };

    public static MirrorDescription Describe(SqliteConnection connection, Catalog catalog, MirrorStoreOptions options, CancellationToken cancellationToken)
    {
        var resources = connection.Query<(string Name, string Table)>("SELECT name, table_name FROM mirror_resources ORDER BY table_name").AsList();
        var tables = new List<(ResourceDescription Description, List<object?[]> Sample)>();
        foreach (var (name, table) in resources)
        {
            cancellationToken.ThrowIfCancellationRequested();
            tables.Add(DescribeTable(connection, catalog, name, table));
        }

        var joins = new List<JoinKey>();
        foreach (var (from, sample) in tables)
        {
            for (var c = 0; c < from.Columns.Count; c++)
            {
                var column = from.Columns[c];
                if (column.Key is null || column.Type is "json" or "real" or "blob" or "null")
                {
                    continue;
                }

                var values = sample.Select(r => r[c]).Where(v => v is string or long).Distinct().Take(JoinSample).ToList();
                if (values.Count == 0)
                {
                    continue;
                }

                foreach (var (to, _) in tables)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (ReferenceEquals(to, from))
                    {
                        continue;
                    }

                    var targets = to.Columns.Where(t => t.Name == "record_id" || (t.Key is not null && string.Equals(t.Name, column.Name, StringComparison.OrdinalIgnoreCase)));
                    foreach (var target in targets)
                    {
                        var rate = MatchRate(connection, to.Table, target.Name, target.Indexed || target.Name == "record_id", values);
                        if (rate >= 0.5)
                        {
                            joins.Add(new JoinKey(from.Table, column.Name, to.Table, target.Name, rate, column.Indexed && (target.Indexed || target.Name == "record_id")));
                        }
                    }
                }
            }
        }

        joins.Sort((a, b) => b.MatchRate.CompareTo(a.MatchRate) is var r && r != 0 ? r : b.Indexed.CompareTo(a.Indexed));
        return new MirrorDescription(tables.Select(t => t.Description).ToList(), joins, InternalTables, options.QueryTimeout, options.MaxQueryRows, options.MaxQueryBytes, catalog.Search.Indexes);
    }

    private static (ResourceDescription, List<object?[]>) DescribeTable(SqliteConnection connection, Catalog catalog, string resource, string table)
    {
        var quoted = Identifiers.Quote(table);
        var keys = connection.Query<(string Key, string Column)>("SELECT key, column_name FROM mirror_columns WHERE resource = @resource", new { resource })
            .ToDictionary(k => k.Column, k => k.Key, StringComparer.OrdinalIgnoreCase);
        var count = connection.ExecuteScalar<long>($"SELECT count(*) FROM {quoted}");
        var indexed = IndexedColumns(connection, table);

        var sample = new List<object?[]>();
        var names = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT * FROM {quoted} LIMIT {SampleRows}";
            using var reader = command.ExecuteReader();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                names.Add(reader.GetName(i));
            }

            while (reader.Read())
            {
                var row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }

                sample.Add(row);
            }
        }

        var columns = new List<ColumnDescription>(names.Count);
        for (var i = 0; i < names.Count; i++)
        {
            var values = sample.Select(r => r[i]).ToList();
            var nonNull = values.Where(v => v is not null).ToList();
            var isJson = catalog.IsJsonColumn(table, names[i]);
            var types = nonNull.Select(v => v switch
            {
                long => "integer",
                double => "real",
                string s when isJson && s.Length > 0 && s[0] is '{' or '[' => "json",
                string => "text",
                _ => "blob",
            }).Distinct().Order(StringComparer.Ordinal).ToList();
            if (types.Contains("integer") && types.Contains("real"))
            {
                types.Remove("integer"); // JSON numbers: integral values are stored as integers, so a real column shows both
            }

            var type = types.Count == 0 ? "null" : string.Join("|", types);
            var examples = nonNull.Select(Show).Distinct().Take(3).ToList();
            var nullRate = values.Count == 0 ? 0 : (double)(values.Count - nonNull.Count) / values.Count;
            keys.TryGetValue(names[i], out var key);
            columns.Add(new ColumnDescription(names[i], key, type, Math.Round(nullRate, 3), examples, indexed.Contains(names[i])));
        }

        return (new ResourceDescription(resource, table, count, columns, catalog.Freshness([table])), sample);
    }

    private static HashSet<string> IndexedColumns(SqliteConnection connection, string table)
    {
        var columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var index in connection.Query<string>($"SELECT name FROM pragma_index_list({Literal(table)})").AsList())
        {
            var first = connection.Query<string>($"SELECT name FROM pragma_index_info({Literal(index)}) ORDER BY seqno LIMIT 1").FirstOrDefault();
            if (first is not null)
            {
                columns.Add(first);
            }
        }

        return columns;
    }

    /// <summary>
    /// Returns the share of <paramref name="values"/> found in a column: all of it when it is indexed (one probe a value),
    /// else its first <see cref="UnindexedTargetRows"/> rows.
    /// </summary>
    private static double MatchRate(SqliteConnection connection, string table, string column, bool indexed, List<object?> values)
    {
        var parameters = new DynamicParameters();
        var names = new List<string>(values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            var name = "v" + i.ToString(CultureInfo.InvariantCulture);
            parameters.Add(name, values[i]);
            names.Add("@" + name);
        }

        var quoted = Identifiers.Quote(column);
        var from = indexed
            ? Identifiers.Quote(table)
            : string.Create(CultureInfo.InvariantCulture, $"(SELECT {quoted} FROM {Identifiers.Quote(table)} LIMIT {UnindexedTargetRows})");
        var sql = $"SELECT count(DISTINCT {quoted}) FROM {from} WHERE {quoted} IN ({string.Join(", ", names)})";
        var found = connection.ExecuteScalar<long>(sql, parameters);
        return Math.Round((double)found / values.Count, 3);
    }

    private static string Show(object? value)
    {
        var text = value switch
        {
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            byte[] b => $"<{b.Length} bytes>",
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
        };
        text = text.ReplaceLineEndings(" ");
        return text.Length <= 40 ? text : text[..39] + "…";
    }

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
