using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>Builds a <see cref="MirrorDescription"/> from the database and a sample of each resource table (join keys by <see cref="JoinKeyRule"/>).</summary>
internal static class Describer
{
    private static readonly Dictionary<string, string> InternalTables = new(StringComparer.Ordinal)
    {
        ["mirror_events"] = "every change ever received, applied or not (seq, resource, record_id, op, payload, source, confidence, occurred_at, applied_at, applied, decision, version): history and audit",
        ["mirror_records"] = "every record's current JSON payload, with tombstones for deleted records (deleted_at not null); seq is the mirror_events.seq of the change that made it",
        ["mirror_cursors"] = "each source's sync position and when it last advanced (updated_at)",
        ["mirror_resources"] = "each resource, the table it is read through, and how many rows that table holds (row_count, exact at every commit)",
    };

    public static MirrorDescription Describe(SqliteConnection connection, Catalog catalog, MirrorStoreOptions options, CancellationToken cancellationToken)
    {
        var resources = new List<(string Name, string Table, long Rows)>();
        using (var command = connection.CreateCommand())
        {
            // The write path keeps row_count exact at every commit, so describing a table of millions of rows reads no
            // more of it than its sample.
            command.CommandText = "SELECT name, table_name, row_count FROM mirror_resources ORDER BY table_name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                resources.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
            }
        }

        var tables = new List<(ResourceDescription Description, List<object?[]> Sample)>();
        foreach (var (name, table, rows) in resources)
        {
            cancellationToken.ThrowIfCancellationRequested();
            tables.Add(DescribeTable(connection, catalog, name, table, rows));
        }

        var joins = new List<JoinKey>();
        var sampledColumns = new Dictionary<ColumnDescription, HashSet<object>>(ReferenceEqualityComparer.Instance);
        foreach (var (from, sample) in tables)
        {
            for (var c = 0; c < from.Columns.Count; c++)
            {
                var column = from.Columns[c];
                if (column.Key is null || column.Type is "json" or "real" or "blob" or "null")
                {
                    continue;
                }

                var values = sample.Select(r => r[c]).Where(v => v is string or long).Distinct().Take(JoinKeyRule.JoinSample).ToList();
                if (values.Count == 0)
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

                    var targets = to.Columns.Where(t => t.Name == "record_id" || (t.Key is not null && string.Equals(t.Name, column.Name, StringComparison.OrdinalIgnoreCase)));
                    foreach (var target in targets)
                    {
                        var rate = target.Indexed || target.Name == "record_id"
                            ? IndexedRate(connection, to.Table, target.Name, values)
                            : JoinKeyRule.Rate(values.Count(JoinKeyRule.SampledValues(to.Columns, toSample, target, sampledColumns).Contains!), values.Count);
                        if (rate >= JoinKeyRule.MinimumRate)
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

    private static (ResourceDescription, List<object?[]>) DescribeTable(SqliteConnection connection, Catalog catalog, string resource, string table, long count)
    {
        var quoted = Identifiers.Quote(table);
        var keys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var indexed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var sample = new List<object?[]>();
        var names = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT key, column_name FROM mirror_columns WHERE resource = $resource";
            command.Parameters.AddWithValue("$resource", resource);
            using (var keyed = command.ExecuteReader())
            {
                while (keyed.Read())
                {
                    keys[keyed.GetString(1)] = keyed.GetString(0);
                }
            }

            // Each index's first column: a join on it is a seek.
            command.CommandText = "SELECT i.name FROM pragma_index_list($table) AS l, pragma_index_info(l.name) AS i WHERE i.seqno = 0";
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$table", table);
            using (var indexes = command.ExecuteReader())
            {
                while (indexes.Read())
                {
                    indexed.Add(indexes.GetString(0));
                }
            }

            command.Parameters.Clear();
            command.CommandText = $"SELECT * FROM {quoted} LIMIT {JoinKeyRule.SampleRows}";
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

    /// <summary>Returns the share of <paramref name="values"/> found in an indexed column, or 0 when it fails <see cref="JoinKeyRule"/>'s screen.</summary>
    private static double IndexedRate(SqliteConnection connection, string table, string column, List<object?> values)
    {
        var screen = JoinKeyRule.ScreenSize(values.Count);
        if (screen > 0 && !JoinKeyRule.PassesScreen(Found(connection, table, column, values.GetRange(0, screen))))
        {
            return 0;
        }

        return JoinKeyRule.Rate(Found(connection, table, column, values), values.Count);
    }

    /// <summary>Returns how many of <paramref name="values"/> an indexed column holds (one probe a value).</summary>
    private static long Found(SqliteConnection connection, string table, string column, List<object?> values)
    {
        // One parameter, a JSON array of the values (strings and integers keep their types in json_each), rather than a
        // parameter per value: the statement's text is the same whatever the sample.
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var value in values)
            {
                if (value is long number)
                {
                    json.WriteNumberValue(number);
                }
                else
                {
                    json.WriteStringValue((string)value!);
                }
            }

            json.WriteEndArray();
        }

        var quoted = Identifiers.Quote(column);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(DISTINCT {quoted}) FROM {Identifiers.Quote(table)} WHERE {quoted} IN (SELECT value FROM json_each($values))";
        command.Parameters.AddWithValue("$values", Encoding.UTF8.GetString(buffer.WrittenSpan));
        return (long)command.ExecuteScalar()!;
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
}
