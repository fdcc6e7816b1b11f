using System.Globalization;
using System.Text;

namespace OxideMirror;

/// <summary>
/// Composes the SQL of <see cref="MirrorStore.SearchAsync"/>, which trusted code writes and the one query entry point
/// runs under the sandbox and every cap; and reads its rows back as hits. The text is bound as a parameter, never
/// spliced into the SQL.
/// </summary>
internal static class SearchQuery
{
    public const int MaxLimit = 10_000;

    /// <summary>
    /// Returns the SQL, its parameters and its limits for a search of <paramref name="index"/>, or null SQL when the text
    /// holds no word to search for (only white space).
    /// </summary>
    public static (string? Sql, Dictionary<string, object?> Parameters, QueryOptions Options) Compose(SearchIndex index, string text, SearchOptions? options, MirrorStoreOptions store)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("The search text holds a NUL character. Remove it and search again.", nameof(text));
        }

        options ??= new SearchOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Limit, 1, "options.Limit");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Limit, MaxLimit, "options.Limit");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SnippetTokens, 1, "options.SnippetTokens");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.SnippetTokens, 64, "options.SnippetTokens");
        if (!Enum.IsDefined(options.Mode))
        {
            throw new ArgumentOutOfRangeException("options.Mode", options.Mode, "Mode must be SearchMode.AllWords, AnyWord or Fts5.");
        }

        var match = Match(text, options.Mode);
        var fts = Identifiers.Quote(index.TableName);
        var sql = match is null ? null : string.Create(
            CultureInfo.InvariantCulture,
            $"SELECT record_id, rank, snippet({fts}, -1, '[', ']', '...', {options.SnippetTokens}) AS snippet FROM {fts} WHERE {fts} MATCH @match ORDER BY rank LIMIT @limit");
        var parameters = new Dictionary<string, object?>(StringComparer.Ordinal) { ["match"] = match, ["limit"] = options.Limit };
        var limits = new QueryOptions { MaxRows = Math.Min(options.Limit, store.MaxQueryRows), Timeout = options.Timeout, MaxBytes = options.MaxBytes };
        return (sql, parameters, limits);
    }

    /// <summary>
    /// Turns search text into an FTS5 query: in the word modes, each run of non-space characters becomes a phrase in
    /// double quotes (a quote inside doubled), joined by spaces (all required) or <c>OR</c>, so no character the text
    /// holds can be syntax; FTS5's tokenizer then splits a phrase such as <c>"user-agent"</c> into adjacent words.
    /// </summary>
    public static string? Match(string text, SearchMode mode)
    {
        if (mode == SearchMode.Fts5)
        {
            return string.IsNullOrWhiteSpace(text) ? null : text;
        }

        var match = new StringBuilder();
        var separator = mode == SearchMode.AnyWord ? " OR " : " ";
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var space = i == text.Length || char.IsWhiteSpace(text[i]);
            if (!space && start < 0)
            {
                start = i;
            }
            else if (space && start >= 0)
            {
                if (match.Length > 0)
                {
                    match.Append(separator);
                }

                match.Append('"').Append(text.AsSpan(start, i - start).ToString().Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
                start = -1;
            }
        }

        return match.Length == 0 ? null : match.ToString();
    }

    /// <summary>Says that an FTS5-mode search text is not a valid FTS5 query, quoting the text and SQLite's reason, and how to write one.</summary>
    public static QueryException InvalidFts5(string text, QueryException syntax)
    {
        var excerpt = text.Length <= 200 ? text : text[..200] + "…";
        return new QueryException($"The search text '{excerpt}' is not a valid FTS5 query (SQLite: {syntax.Data[QueryRunner.MatchSyntaxReason]}). Put words and phrases in double quotes (\"user-agent\"), join them with AND, OR or NOT, end a word with * to match its prefix and close every parenthesis; or search with SearchMode.AllWords or AnyWord, which take plain words.", syntax);
    }

    /// <summary>Reads the rows of the composed query back as hits.</summary>
    public static SearchResult Hits(QueryResult result)
    {
        var hits = new List<SearchHit>(result.Rows.Count);
        foreach (var row in result.Rows)
        {
            var id = Convert.ToString(row["record_id"], CultureInfo.InvariantCulture) ?? string.Empty;
            var rank = row["rank"] is { } r ? Convert.ToDouble(r, CultureInfo.InvariantCulture) : 0;
            hits.Add(new SearchHit(id, rank, row["snippet"] as string));
        }

        return new SearchResult(hits, result.Truncated, result.Freshness);
    }
}
