using System.Globalization;
using System.Text.Json.Nodes;

namespace OxideMirror.AI;

/// <summary>The discovery tools: <c>mirror_overview</c> (the cheap first call) and <c>describe_resources</c> (the schema, in steps).</summary>
internal static class SchemaTools
{
    private const string SystemColumns = "_source, _confidence, _version, _synced_at, _occurred_at";

    public static MirrorFunction Overview(ToolContext context) => new(
        MirrorToolNames.Overview,
        "Start here. Lists every resource (table) in the " + (context.Postgres ? "shared PostgreSQL" : "local SQLite") + " mirror of remote API data with its row count, number of columns, "
        + "the sources that feed it and when each source last synced (last_synced_at, UTC), plus the limits of the query tool. "
        + "Freshness is when a source last committed a sync page; the mirror does not store sync errors, so a failing source shows only as an old last_synced_at "
        + "(the sync tool, where offered, reports errors). A resource with search_fields can be searched by words with the search tool. "
        + "Next: describe_resources for the tables you need, then query.",
        """{"type":"object","properties":{},"additionalProperties":false}""",
        [],
        context,
        async (_, ct) =>
        {
            var store = await context.Reader(ct).ConfigureAwait(false);
            var description = await store.DescribeAsync(ct).ConfigureAwait(false);
            var position = await store.GetPositionAsync(ct).ConfigureAwait(false);
            var resources = new JsonArray();
            var searchable = description.SearchIndexes.ToDictionary(i => i.Resource, i => i.Fields, StringComparer.Ordinal);
            var answer = new JsonObject
            {
                ["resource_count"] = description.Resources.Count,
                ["log_position"] = position,
                ["query_limits"] = new JsonObject
                {
                    ["default_rows"] = context.DefaultQueryRows,
                    ["max_rows"] = context.MaxQueryRows,
                    ["max_bytes"] = context.MaxAnswerBytes,
                    ["timeout_ms"] = (long)(context.QueryTimeout ?? store.QueryTimeout).TotalMilliseconds,
                },
                ["resources"] = resources,
            };
            var budget = new AnswerBudget(context.MaxAnswerBytes, answer);
            var shown = 0;
            foreach (var resource in description.Resources)
            {
                var item = new JsonObject { ["name"] = resource.Name };
                if (!string.Equals(resource.Name, resource.Table, StringComparison.Ordinal))
                {
                    item["table"] = resource.Table;
                }

                item["rows"] = resource.RowCount;
                if (resource.RowCountEstimated)
                {
                    item["rows_estimated"] = true;
                }

                item["columns"] = resource.Columns.Count(c => c.Key is not null);
                item["sources"] = Freshness(resource.Freshness);
                if (searchable.TryGetValue(resource.Name, out var fields))
                {
                    item["search_fields"] = new JsonArray([.. fields.Select(f => (JsonNode?)JsonValue.Create(f))]);
                }

                if (!budget.TryAdd(resources, item))
                {
                    break;
                }

                shown++;
            }

            if (shown < description.Resources.Count)
            {
                answer["more_resources"] = description.Resources.Count - shown;
                answer["next"] = string.Create(CultureInfo.InvariantCulture, $"Only the first {shown} resources fit; list the rest with describe_resources (detail \"names\", offset {shown}).");
            }

            if (description.Resources.Count == 0)
            {
                answer["next"] = "The mirror holds no resources yet: nothing has been synced.";
            }

            return answer;
        });

    public static MirrorFunction Describe(ToolContext context) => new(
        MirrorToolNames.DescribeResources,
        "Describes resource tables so you can write SQL: for each, its columns with inferred types (integer, real, text, json, ...), "
        + "and at detail \"full\" also null %, up to three example values, which columns are indexed, and likely join keys between tables. "
        + "Pass the resources you need (names from mirror_overview); detail is \"names\", \"summary\" (the default: columns and types) or \"full\". "
        + "Every table also has record_id (primary key) and " + SystemColumns + "; " + (context.Postgres ? "nested objects and arrays are jsonb (->, ->>, jsonb_array_elements). " : "nested objects and arrays are JSON text (json_extract, json_each). ")
        + "Long answers are cut: offset pages through the resources.",
        """
        {"type":"object","properties":{
        "resources":{"type":"array","items":{"type":"string"},"description":"Resource or table names to describe; leave out for all (best with detail \"names\")."},
        "detail":{"type":"string","enum":["names","summary","full"],"default":"summary","description":"How much to say per resource."},
        "offset":{"type":"integer","minimum":0,"default":0,"description":"Skip this many matching resources (the next_offset of a cut answer)."}
        },"additionalProperties":false}
        """,
        ["resources", "detail", "offset"],
        context,
        async (args, ct) =>
        {
            var wanted = args.OptionalStrings("resources");
            var detail = args.OptionalString("detail") ?? "summary";
            if (detail is not ("names" or "summary" or "full"))
            {
                throw new ToolArgumentException($"The argument 'detail' is '{ToolJson.Shorten(detail, 40)}'; send \"names\", \"summary\" or \"full\". (describe_resources)");
            }

            var offset = (int)(args.OptionalInteger("offset", 0, int.MaxValue) ?? 0);
            var store = await context.Reader(ct).ConfigureAwait(false);
            var description = await store.DescribeAsync(ct).ConfigureAwait(false);
            var unknown = new JsonArray();
            var matching = Match(description.Resources, wanted, unknown);
            var resources = new JsonArray();
            var answer = new JsonObject { ["detail"] = detail, ["resources"] = resources };
            if (unknown.Count > 0)
            {
                answer["unknown"] = unknown;
                answer["hint"] = "Unknown names are neither a resource nor a table; mirror_overview lists them.";
            }

            if (detail == "full")
            {
                answer["system_columns"] = "record_id (primary key) and " + SystemColumns + " on every table; deleted records are absent";
                answer["json"] = context.Postgres
                    ? "Nested objects and arrays are jsonb: col -> 'key', col ->> 'key', jsonb_array_elements(col)."
                    : "Nested objects and arrays are JSON text: json_extract(col, '$.path'), col ->> '$.path', json_each(col).";
            }

            var budget = new AnswerBudget(context.MaxAnswerBytes, answer);
            var next = offset;
            foreach (var resource in matching.Skip(offset))
            {
                var item = Resource(context, resource, detail, budget, first: next == offset, out var cut);
                if (!budget.TryAdd(resources, item))
                {
                    break;
                }

                next++;
                if (cut)
                {
                    break;
                }
            }

            if (detail != "names")
            {
                var tables = matching.Skip(offset).Take(next - offset).Select(r => r.Table).ToHashSet(StringComparer.OrdinalIgnoreCase);
                var keys = new JsonArray();
                foreach (var key in description.JoinKeys.Where(k => tables.Contains(k.FromTable) || tables.Contains(k.ToTable)))
                {
                    var text = string.Create(CultureInfo.InvariantCulture, $"{key.FromTable}.{key.FromColumn} = {key.ToTable}.{key.ToColumn} ({key.MatchRate * 100:0}% of sampled values match; {(key.Indexed ? "indexed" : "not indexed: slow on large tables")})");
                    if (!budget.TryAdd(keys, JsonValue.Create(text)))
                    {
                        break;
                    }
                }

                if (keys.Count > 0)
                {
                    answer["join_keys"] = keys;
                }
            }

            if (next < matching.Count)
            {
                answer["has_more"] = true;
                answer["next_offset"] = next;
                answer["next"] = string.Create(CultureInfo.InvariantCulture, $"{matching.Count - next} more matching resources did not fit: call describe_resources again with offset {next}, fewer resources, or a lower detail.");
            }

            return answer;
        });

    private static List<ResourceDescription> Match(IReadOnlyList<ResourceDescription> all, IReadOnlyList<string>? wanted, JsonArray unknown)
    {
        if (wanted is null || wanted.Count == 0)
        {
            return [.. all];
        }

        var found = new List<ResourceDescription>();
        foreach (var name in wanted.Distinct(StringComparer.Ordinal))
        {
            var match = all.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.Ordinal))
                ?? all.FirstOrDefault(r => string.Equals(r.Table, name, StringComparison.OrdinalIgnoreCase))
                ?? all.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
            if (match is null)
            {
                if (unknown.Count < 20)
                {
                    unknown.Add(ToolJson.Shorten(name, 60));
                }
            }
            else if (!found.Contains(match))
            {
                found.Add(match);
            }
        }

        return found;
    }

    /// <summary>
    /// Describes one resource at <paramref name="detail"/>. The first resource of an answer always fits: when its
    /// columns alone would pass the budget they are cut (and <paramref name="cut"/> says so), so that a table of 1,000
    /// columns still gets an answer.
    /// </summary>
    private static JsonObject Resource(ToolContext context, ResourceDescription resource, string detail, AnswerBudget budget, bool first, out bool cut)
    {
        cut = false;
        var item = new JsonObject { ["name"] = resource.Name };
        if (!string.Equals(resource.Name, resource.Table, StringComparison.Ordinal))
        {
            item["table"] = resource.Table;
        }

        item["rows"] = resource.RowCount;
        if (resource.RowCountEstimated)
        {
            item["rows_estimated"] = true;
        }

        if (detail == "names")
        {
            return item;
        }

        item["sources"] = Freshness(resource.Freshness);
        var payloadColumns = resource.Columns.Where(c => c.Key is not null).ToList();
        if (payloadColumns.Count >= 1_000)
        {
            item["at_column_limit"] = "Keys first seen after the first 1,000 have no column: read them with " + context.PayloadKey + " FROM mirror_records WHERE resource = '" + resource.Name.Replace("'", "''", StringComparison.Ordinal) + "'.";
        }

        var room = first ? budget.Remaining - ToolJson.Size(item) - 400 : long.MaxValue;
        long used = 0;
        var shown = 0;
        if (detail == "summary")
        {
            var columns = new JsonObject();
            foreach (var column in payloadColumns)
            {
                var type = column.Type + (column.Indexed ? ", indexed" : string.Empty);
                var size = ToolJson.Size(JsonValue.Create(column.Name)) + ToolJson.Size(JsonValue.Create(type)) + 2;
                if (used + size > room)
                {
                    break;
                }

                used += size;
                columns[column.Name] = type;
                shown++;
            }

            item["columns"] = columns;
        }
        else
        {
            var columns = new JsonArray();
            foreach (var column in payloadColumns)
            {
                var entry = new JsonObject { ["name"] = column.Name, ["type"] = column.Type };
                if (column.Key is { } key && !string.Equals(key, column.Name, StringComparison.Ordinal))
                {
                    entry["key"] = key;
                }

                entry["null_pct"] = Math.Round(column.NullRate * 100, 1);
                entry["examples"] = new JsonArray([.. column.Examples.Select(e => (JsonNode?)JsonValue.Create(e))]);
                if (column.Indexed)
                {
                    entry["indexed"] = true;
                }

                var size = ToolJson.Size(entry) + 1;
                if (used + size > room)
                {
                    break;
                }

                used += size;
                columns.Add(entry);
                shown++;
            }

            item["columns"] = columns;
        }

        if (shown < payloadColumns.Count)
        {
            cut = true;
            item["columns_omitted"] = payloadColumns.Count - shown;
            item["columns_note"] = context.Postgres
                ? "Too many columns for one answer: read the rest with query: SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '" + resource.Table.Replace("'", "''", StringComparison.Ordinal) + "'."
                : "Too many columns for one answer: read the rest with query: SELECT name, type FROM pragma_table_info('" + resource.Table + "').";
        }

        return item;
    }

    /// <summary>Each source's freshness, as every tool answers it.</summary>
    internal static JsonArray Freshness(IReadOnlyList<ResourceFreshness> freshness) =>
        [.. freshness.Select(f => (JsonNode?)new JsonObject { ["source"] = f.Source, ["last_synced_at"] = ToolJson.Moment(f.LastSyncedAt) })];
}
