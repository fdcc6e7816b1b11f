using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SQLitePCL;

namespace OxideMirror;

/// <summary>
/// The plan answer of an agent query (<see cref="MirrorStore.ExplainQueryAsync"/>): handed the agent's statement once
/// <see cref="QueryRunner.Run{TResult}"/> has prepared and checked it, exactly as for <see cref="MirrorStore.QueryAsync(string, object?, QueryOptions?, CancellationToken)"/>,
/// it never steps that statement but prepares <c>EXPLAIN QUERY PLAN</c> of its text under the same armed guard, reads
/// the plan's steps, and says where a join or a filter reads a whole resource table.
/// </summary>
internal static partial class QueryPlanner
{
    private static readonly byte[] Prefix = "EXPLAIN QUERY PLAN "u8.ToArray();

    /// <summary>Reads the plan of the checked <paramref name="statement"/>; the guard stays armed throughout.</summary>
    public static QueryPlan Explain(ReaderPool.Reader reader, sqlite3_stmt statement, Catalog catalog, QueryRequest request)
    {
        if (raw.sqlite3_stmt_isexplain(statement) != 0)
        {
            throw new QueryException($"The statement is already an EXPLAIN: {QueryRunner.Excerpt(request.Sql)}. Send the query itself (SELECT …); its plan is what this call returns.");
        }

        // QueryAsync refuses a pragma function when the statement first reads it; this answer never steps the statement.
        if (QueryGuard.RefusedPragmaFunction(reader.Guard.TablesRead) is { } refused)
        {
            throw new QueryNotReadOnlyException($"The query was refused: {refused}. Send a single SELECT that only reads the mirror.");
        }

        var db = reader.Connection.Handle!;
        var sql = raw.sqlite3_sql(statement).utf8_to_string() ?? request.Sql;
        var body = Encoding.UTF8.GetBytes(sql);
        var text = new byte[Prefix.Length + body.Length];
        Prefix.CopyTo(text, 0);
        body.CopyTo(text, Prefix.Length);

        // The prefix must not push a statement that was just within the SQL length limit over it.
        var sqlLimit = raw.sqlite3_limit(db, raw.SQLITE_LIMIT_SQL_LENGTH, -1);
        raw.sqlite3_limit(db, raw.SQLITE_LIMIT_SQL_LENGTH, sqlLimit + Prefix.Length);
        sqlite3_stmt? plan = null;
        try
        {
            var rc = raw.sqlite3_prepare_v2(db, text, out plan, out _);
            if (rc != raw.SQLITE_OK || plan is null || plan.IsInvalid)
            {
                throw QueryRunner.Failure(db, reader.Guard, rc, request.Sql, preparing: true, request.Timeout, request.CancellationToken);
            }

            var steps = new List<QueryPlanStep>();
            var depths = new Dictionary<int, int>();
            var truncated = false;
            while ((rc = raw.sqlite3_step(plan)) == raw.SQLITE_ROW)
            {
                if (steps.Count >= request.MaxRows)
                {
                    truncated = true;
                    break;
                }

                var id = raw.sqlite3_column_int(plan, 0);
                var parent = raw.sqlite3_column_int(plan, 1);
                var detail = raw.sqlite3_column_text(plan, 3).utf8_to_string() ?? string.Empty;
                var depth = depths.TryGetValue(parent, out var above) ? above + 1 : 0;
                depths[id] = depth;
                steps.Add(new QueryPlanStep(id, parent, depth, detail));
            }

            if (!truncated && rc != raw.SQLITE_DONE)
            {
                throw QueryRunner.Failure(db, reader.Guard, rc, request.Sql, preparing: false, request.Timeout, request.CancellationToken);
            }

            return new QueryPlan(steps, Hints(steps, sql, catalog), truncated);
        }
        finally
        {
            plan?.Dispose();
            raw.sqlite3_limit(db, raw.SQLITE_LIMIT_SQL_LENGTH, sqlLimit);
        }
    }

    /// <summary>
    /// Says, for each resource table a loop reads without an index, what it costs and what to do: a full scan nested in
    /// a join or a correlated subquery (read once per outer row), a temporary index SQLite builds on each run (no index on
    /// the join or filter column), and a full scan of a filtered table. Steps name tables by their alias in the query, so
    /// the aliases are read from the SQL's FROM and JOIN clauses; a name that is no resource table gets no hint.
    /// </summary>
    internal static IReadOnlyList<string> Hints(IReadOnlyList<QueryPlanStep> steps, string sql, Catalog catalog)
    {
        var aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match match in AliasPattern().Matches(sql))
        {
            aliases.TryAdd(match.Groups["alias"].Value, match.Groups["table"].Value);
        }

        string? TableOf(string name)
        {
            if (catalog.IsResourceTable(name) && !aliases.ContainsKey(name))
            {
                return name;
            }

            return aliases.TryGetValue(name, out var table) && catalog.IsResourceTable(table) ? table : catalog.IsResourceTable(name) ? name : null;
        }

        var filtered = WherePattern().IsMatch(sql);
        var hints = new List<string>();
        var byId = steps.GroupBy(s => s.Id).ToDictionary(g => g.Key, g => g.First());
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var loop = LoopPattern().Match(step.Detail);
            if (!loop.Success || step.Detail.Contains("VIRTUAL TABLE", StringComparison.Ordinal) || step.Detail.Contains("CONSTANT ROW", StringComparison.Ordinal))
            {
                continue;
            }

            var name = loop.Groups["name"].Value;
            if (TableOf(name) is not { } table)
            {
                continue;
            }

            var shown = string.Equals(name, table, StringComparison.OrdinalIgnoreCase) ? table : string.Create(CultureInfo.InvariantCulture, $"{table} (as {name})");
            var automatic = AutomaticPattern().Match(step.Detail);
            if (automatic.Success)
            {
                var columns = string.Join(", ", automatic.Groups["columns"].Value.Split(" AND ").Select(c => ColumnPattern().Match(c).Value));
                hints.Add($"SQLite builds a temporary index on {shown} ({columns}) every time this query runs, because no index serves that join or filter: on a large table each run reads it in full first. An index on {table}.{columns.Split(", ")[0]} (made by the host with MirrorStore.CreateIndexAsync) avoids that; or filter {table} on an indexed column.");
                continue;
            }

            if (!string.Equals(loop.Groups["kind"].Value, "SCAN", StringComparison.Ordinal))
            {
                continue;
            }

            var nested = steps.Take(i).Any(s => s.ParentId == step.ParentId && LoopPattern().IsMatch(s.Detail)) || InCorrelatedSubquery(step, byId);
            if (nested)
            {
                hints.Add($"{shown} is read in full once for each row of the loop around it (a nested loop with no index): index the column {table} is joined on (the host does it with MirrorStore.CreateIndexAsync), join on record_id or an indexed column, or filter the outer table first.");
            }
            else if (filtered && !step.Detail.Contains(" USING ", StringComparison.Ordinal))
            {
                hints.Add($"{shown} is read in full, row by row: no index narrows it. If the query filters {table} on a column, filtering on record_id or an indexed column (describe_resources lists them) lets SQLite search instead, or the host can index the column (MirrorStore.CreateIndexAsync).");
            }
        }

        return hints.Distinct(StringComparer.Ordinal).ToList();
    }

    private static bool InCorrelatedSubquery(QueryPlanStep step, Dictionary<int, QueryPlanStep> byId)
    {
        var parent = step.ParentId;
        for (var hops = 0; parent != 0 && hops < 64 && byId.TryGetValue(parent, out var above); hops++)
        {
            if (above.Detail.StartsWith("CORRELATED", StringComparison.Ordinal))
            {
                return true;
            }

            parent = above.ParentId;
        }

        return false;
    }

    [GeneratedRegex(@"^(?<kind>SCAN|SEARCH) (?<name>[^\s]+)", RegexOptions.CultureInvariant)]
    private static partial Regex LoopPattern();

    [GeneratedRegex(@"USING AUTOMATIC (?:PARTIAL )?(?:COVERING )?INDEX \((?<columns>[^)]*)\)", RegexOptions.CultureInvariant)]
    private static partial Regex AutomaticPattern();

    [GeneratedRegex(@"^[^=<>! ]+", RegexOptions.CultureInvariant)]
    private static partial Regex ColumnPattern();

    [GeneratedRegex(@"\bWHERE\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex WherePattern();

    [GeneratedRegex(@"(?:\bFROM|\bJOIN|,)\s*[""`\[]?(?<table>[A-Za-z_][A-Za-z0-9_]*)[""`\]]?\s+(?:AS\s+)?[""`\[]?(?<alias>[A-Za-z_][A-Za-z0-9_]*)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex AliasPattern();
}
