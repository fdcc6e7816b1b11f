using System.Globalization;
using System.Text.Json.Nodes;

namespace OxideMirror.AI;

/// <summary>The SQL tools: <c>query</c> (bounded, read-only, optionally as of a moment) and <c>explain_query</c> (its plan).</summary>
internal static class QueryTools
{
    /// <summary>The smallest <c>max_bytes</c> a model may send: the store's own floor (1,024) plus what the tool adds.</summary>
    private const int MinBytes = 1_024 + AnswerBudget.Reserve;

    public static MirrorFunction Query(ToolContext context) => new(
        MirrorToolNames.Query,
        "Runs one read-only " + context.DialectName + " SELECT (or WITH ... SELECT) over the mirror and returns columns, rows (objects keyed by column), row_count, "
        + "truncated, and freshness (when each source of the tables read last synced). Joins, GROUP BY, window functions and " + (context.Postgres ? "jsonb operators (->, ->>)" : "json_extract") + " all work; "
        + "only one statement per call, nothing can write. Pass values as @name parameters in params. "
        + string.Create(CultureInfo.InvariantCulture, $"At most max_rows rows (default {context.DefaultQueryRows}, up to {context.MaxQueryRows}) and max_bytes of answer (default and most {context.MaxAnswerBytes}); ")
        + "a cut answer has truncated=true and a note on how to get the rest — prefer aggregates and LIMIT over listing rows. "
        + (TimeTravel(context) ? "as_of (ISO 8601) queries the mirror as it was at that moment. " : string.Empty)
        + "Use describe_resources first for table and column names.",
        string.Create(CultureInfo.InvariantCulture, $$"""
        {"type":"object","properties":{
        "sql":{"type":"string","description":"One SELECT statement, {{context.DialectName}} dialect; parameters as @name."},
        "params":{"type":"object","description":"Values for the @name parameters, for example {\"tier\": \"enterprise\"}.","additionalProperties":{"type":["string","number","boolean","null"]} },
        "max_rows":{"type":"integer","minimum":1,"maximum":{{context.MaxQueryRows}},"default":{{context.DefaultQueryRows}},"description":"The most rows to return."},
        "max_bytes":{"type":"integer","minimum":{{MinBytes}},"maximum":{{context.MaxAnswerBytes}},"default":{{context.MaxAnswerBytes}},"description":"The most bytes of JSON answer."}{{(TimeTravel(context) ? AsOfProperties : string.Empty)}}
        },"required":["sql"],"additionalProperties":false}
        """),
        ["sql", "params", "max_rows", "max_bytes", "as_of", "as_of_mode"],
        context,
        async (args, ct) =>
        {
            var sql = args.RequiredString("sql");
            var parameters = args.OptionalParameters("params");
            var notes = new List<string>();
            var maxRows = (int)Math.Min(args.OptionalInteger("max_rows", 1, long.MaxValue) ?? context.DefaultQueryRows, int.MaxValue);
            if (maxRows > context.MaxQueryRows)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"max_rows {maxRows:N0} was lowered to the host's ceiling of {context.MaxQueryRows:N0}."));
                maxRows = context.MaxQueryRows;
            }

            var maxBytes = args.OptionalInteger("max_bytes", MinBytes, long.MaxValue) ?? context.MaxAnswerBytes;
            if (maxBytes > context.MaxAnswerBytes)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"max_bytes {maxBytes:N0} was lowered to the host's ceiling of {context.MaxAnswerBytes:N0}."));
                maxBytes = context.MaxAnswerBytes;
            }

            var asOf = args.OptionalMoment("as_of");
            if (asOf is not null && !TimeTravel(context))
            {
                throw new ToolArgumentException($"The argument 'as_of' asks for the mirror as it was at a past moment, but this {context.DialectName} mirror does not keep past versions for queries. Leave out as_of to query the mirror as it is now, or read one record's past with record_history. (query)");
            }

            var mode = args.OptionalString("as_of_mode");
            var asOfMode = mode switch
            {
                null or "applied" => AsOfMode.Applied,
                "occurred" => AsOfMode.Occurred,
                _ => throw new ToolArgumentException($"The argument 'as_of_mode' is '{ToolJson.Shorten(mode, 40)}'; send \"applied\" or \"occurred\". (query)"),
            };
            if (mode is not null && asOf is null)
            {
                throw new ToolArgumentException("The argument 'as_of_mode' needs 'as_of', the moment to query at. (query)");
            }

            var store = await context.Reader(ct).ConfigureAwait(false);
            var options = new QueryOptions
            {
                MaxRows = maxRows,
                MaxBytes = maxBytes - AnswerBudget.Reserve,
                Timeout = context.QueryTimeout,
                AsOf = asOf,
                AsOfMode = asOfMode,
            };
            var result = await store.QueryAsync(sql, parameters, options, ct).ConfigureAwait(false);
            var answer = JsonNode.Parse(result.ToJson())!.AsObject();
            if (asOf is { } moment)
            {
                answer["as_of"] = ToolJson.Moment(moment);
            }

            if (result.Truncated)
            {
                var cap = result.RowCount >= maxRows
                    ? string.Create(CultureInfo.InvariantCulture, $"the row cap (max_rows {maxRows:N0})")
                    : string.Create(CultureInfo.InvariantCulture, $"the byte cap (max_bytes {maxBytes:N0})");
                var more = result.RowCount >= maxRows && maxRows < context.MaxQueryRows
                    ? string.Create(CultureInfo.InvariantCulture, $", or ask for up to {context.MaxQueryRows:N0} rows with max_rows")
                    : string.Empty;
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"Only the first {result.RowCount:N0} rows are here: the answer was cut at {cap}. To get the rest, page with ORDER BY a unique column and a WHERE on that column past the last value seen (or LIMIT ... OFFSET {result.RowCount}), select fewer or shorter columns, or aggregate (count, sum, GROUP BY) instead of listing rows{more}."));
            }

            if (notes.Count > 0)
            {
                answer["note"] = string.Join(' ', notes);
            }

            return answer;
        });

    /// <summary>The <c>as_of</c> arguments, offered only over a reader that can travel in time.</summary>
    private const string AsOfProperties = """
        ,
        "as_of":{"type":"string","format":"date-time","description":"Query the mirror as it was at this moment (ISO 8601); leave out for now."},
        "as_of_mode":{"type":"string","enum":["applied","occurred"],"default":"applied","description":"With as_of: \"applied\" (as the mirror held it then) or \"occurred\" (as the sources say it was)."}
        """;

    private static bool TimeTravel(ToolContext context) => context.Capabilities.HasFlag(MirrorReaderCapabilities.TimeTravel);

    public static MirrorFunction ExplainQuery(ToolContext context) => new(
        MirrorToolNames.ExplainQuery,
        "Shows how SQLite would run a query, without running it: the plan's steps (SCAN reads a whole table, SEARCH uses an index, "
        + "nested lines run once per row of the line above), and hints where a join or a filter has no index. "
        + "The SQL is checked exactly as the query tool checks it. Use it when a query timed out or before a join of large tables.",
        """
        {"type":"object","properties":{
        "sql":{"type":"string","description":"The SELECT statement to explain, as you would send it to query."}
        },"required":["sql"],"additionalProperties":false}
        """,
        ["sql"],
        context,
        async (args, ct) =>
        {
            var sql = args.RequiredString("sql");
            var store = await context.Reader(ct).ConfigureAwait(false);
            var plan = await store.ExplainQueryAsync(sql, ct).ConfigureAwait(false);
            var steps = new JsonArray();
            var hints = new JsonArray();
            var answer = new JsonObject { ["plan"] = steps, ["hints"] = hints };
            var budget = new AnswerBudget(context.MaxAnswerBytes, answer);
            var cut = plan.Truncated;
            foreach (var step in plan.Steps)
            {
                if (!budget.TryAdd(steps, JsonValue.Create(new string(' ', Math.Min(step.Depth, 32) * 2) + step.Detail)))
                {
                    cut = true;
                    break;
                }
            }

            foreach (var hint in plan.Hints)
            {
                if (!budget.TryAdd(hints, JsonValue.Create(hint)))
                {
                    cut = true;
                    break;
                }
            }

            if (cut)
            {
                answer["truncated"] = true;
            }

            return answer;
        });
}
