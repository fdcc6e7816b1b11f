using System.Globalization;
using System.Text.Json.Nodes;

namespace OxideMirror.AI;

/// <summary>The full-text tool: <c>search</c>, over the resources that have a search index (<see cref="MirrorStore.SearchAsync"/>).</summary>
internal static class SearchTools
{
    private const int DefaultHits = 10;
    private const int MaxHits = 100;

    public static MirrorFunction Search(ToolContext context) => new(
        MirrorToolNames.Search,
        "Finds records of one resource by the words they contain, best match first, with a short snippet around the matched words "
        + "(the words are marked with [ and ]). Only resources with a search index can be searched: mirror_overview lists them with their search_fields. "
        + "mode \"all_words\" (the default) needs every word, \"any_word\" ranks records holding more of them higher; neither treats any character as syntax, "
        + "so send the user's words as they are. \"fts5\" takes an SQLite FTS5 query (\"exact phrase\", AND, OR, NOT, prefix*, field: word). "
        + string.Create(CultureInfo.InvariantCulture, $"At most limit hits (default {DefaultHits}, up to {MaxHits}). ")
        + "Each hit is a record id: read the record with get_record, or join in SQL (query) on record_id.",
        string.Create(CultureInfo.InvariantCulture, $$"""
        {"type":"object","properties":{
        "resource":{"type":"string","description":"The resource to search, one that mirror_overview lists with search_fields."},
        "text":{"type":"string","description":"The words to find."},
        "mode":{"type":"string","enum":["all_words","any_word","fts5"],"default":"all_words","description":"How text is read: every word required, any word, or an FTS5 query."},
        "limit":{"type":"integer","minimum":1,"maximum":{{MaxHits}},"default":{{DefaultHits}},"description":"The most hits to return."}
        },"required":["resource","text"],"additionalProperties":false}
        """),
        ["resource", "text", "mode", "limit"],
        context,
        async (args, ct) =>
        {
            var (resource, text) = (args.RequiredString("resource"), args.RequiredString("text"));
            var mode = args.OptionalString("mode") switch
            {
                null or "all_words" => SearchMode.AllWords,
                "any_word" => SearchMode.AnyWord,
                "fts5" => SearchMode.Fts5,
                var other => throw new ToolArgumentException($"The argument 'mode' is '{ToolJson.Shorten(other, 40)}'; send \"all_words\", \"any_word\" or \"fts5\". (search)"),
            };
            var limit = args.OptionalInteger("limit", 1, long.MaxValue) ?? DefaultHits;
            string? lowered = null;
            if (limit > MaxHits)
            {
                lowered = string.Create(CultureInfo.InvariantCulture, $"limit {limit:N0} was lowered to {MaxHits}.");
                limit = MaxHits;
            }

            var store = await context.Reader(ct).ConfigureAwait(false);
            var result = await store.SearchAsync(
                resource,
                text,
                new SearchOptions { Mode = mode, Limit = (int)limit, Timeout = context.QueryTimeout, MaxBytes = context.MaxAnswerBytes - AnswerBudget.Reserve },
                ct).ConfigureAwait(false);

            var hits = new JsonArray();
            var answer = new JsonObject
            {
                ["resource"] = ToolJson.Shorten(resource),
                ["hits"] = hits,
                ["freshness"] = SchemaTools.Freshness(result.Freshness),
            };
            var budget = new AnswerBudget(context.MaxAnswerBytes, answer);
            var cut = result.Truncated;
            foreach (var hit in result.Hits)
            {
                var item = new JsonObject { ["id"] = hit.RecordId, ["rank"] = Math.Round(hit.Rank, 4) };
                if (hit.Snippet is not null)
                {
                    item["snippet"] = hit.Snippet;
                }

                if (!budget.TryAdd(hits, item))
                {
                    cut = true;
                    break;
                }
            }

            if (cut)
            {
                answer["truncated"] = true;
                answer["note"] = string.Create(CultureInfo.InvariantCulture, $"Only the best {hits.Count} hits fit this answer; add words to narrow the search, or count all matches with query (SELECT count(*) FROM <resource>_fts WHERE <resource>_fts MATCH ...).");
            }
            else if (hits.Count == 0)
            {
                answer["note"] = mode == SearchMode.AllWords
                    ? "No record holds every one of these words; try fewer words, or mode \"any_word\"."
                    : "No record matches.";
            }

            if (lowered is not null)
            {
                answer["note"] = answer["note"] is { } note ? lowered + " " + note.GetValue<string>() : lowered;
            }

            return answer;
        });
}
