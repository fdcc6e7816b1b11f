using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OxideMirror.AI;

/// <summary>The <c>changes_since</c> tool: the net change to each record after a log position or a moment, in pages that fit an answer.</summary>
internal static class ChangeTools
{
    private const int DefaultEvents = 100;
    private const int MaxEvents = 1_000;

    public static MirrorFunction ChangesSince(ToolContext context) => new(
        MirrorToolNames.ChangesSince,
        "Lists what changed in the mirror after a log position or a moment: for each record, its net change (inserted, updated or deleted), its payload now, "
        + "version, source and last position, with counts per resource. Send position (0 for everything, or the position of a previous answer) "
        + string.Create(CultureInfo.InvariantCulture, $"or since (ISO 8601). A page covers at most limit applied events (default {DefaultEvents}, up to {MaxEvents}) and fits one answer; ")
        + "when has_more is true, call again with the answer's position.",
        string.Create(CultureInfo.InvariantCulture, $$"""
        {"type":"object","properties":{
        "position":{"type":"integer","minimum":0,"description":"The log position seen up to: 0 for everything, else a previous answer's position."},
        "since":{"type":"string","format":"date-time","description":"A moment (ISO 8601): changes applied after it. Send this or position, not both."},
        "resource":{"type":"string","description":"Only this resource's changes; leave out for all."},
        "limit":{"type":"integer","minimum":1,"maximum":{{MaxEvents}},"default":{{DefaultEvents}},"description":"The most applied events one page covers."}
        },"additionalProperties":false}
        """),
        ["position", "since", "resource", "limit"],
        context,
        async (args, ct) =>
        {
            var position = args.OptionalInteger("position", 0, long.MaxValue);
            var since = args.OptionalMoment("since");
            var resource = args.OptionalString("resource");
            var limit = (int)(args.OptionalInteger("limit", 1, MaxEvents) ?? DefaultEvents);
            if ((position is null) == (since is null))
            {
                throw new ToolArgumentException("Send exactly one of 'position' (0 for everything, or the position of a previous answer) or 'since' (an ISO 8601 moment). (changes_since)");
            }

            var store = await context.Reader(ct).ConfigureAwait(false);
            var from = position ?? (await store.GetChangesAsync(since!.Value, resource, ct).ConfigureAwait(false)).FromPosition;

            // A page is cut by events, not bytes: ask for fewer events until the page's changes fit one answer. One
            // event is one change, whose payload is cut to the item cap, so the loop ends.
            while (true)
            {
                var page = await store.GetChangesAsync(from, resource, limit, ct).ConfigureAwait(false);
                if (Fit(page, context, limit) is { } answer)
                {
                    return answer;
                }

                limit = Math.Max(1, limit / 2);
            }
        });

    private static JsonObject? Fit(ChangeSet page, ToolContext context, int limit)
    {
        var changes = new JsonArray();
        var counts = new JsonObject();
        foreach (var (resource, count) in page.Counts)
        {
            counts[resource] = new JsonObject { ["inserted"] = count.Inserted, ["updated"] = count.Updated, ["deleted"] = count.Deleted };
        }

        var answer = new JsonObject
        {
            ["from_position"] = page.FromPosition,
            ["position"] = page.Position,
            ["has_more"] = page.HasMore,
            ["counts"] = counts,
            ["changes"] = changes,
        };
        var budget = new AnswerBudget(context.MaxAnswerBytes, answer);
        foreach (var change in page.Changes)
        {
            var item = new JsonObject
            {
                ["resource"] = change.Resource,
                ["id"] = change.RecordId,
                ["kind"] = RecordTools.Name(change.Kind),
                ["existed_at_start"] = change.ExistedAtStart,
                ["version"] = change.Version,
                ["source"] = change.Source,
                ["applied_at"] = ToolJson.Moment(change.AppliedAt),
                ["last_position"] = change.LastPosition,
                ["change_count"] = change.ChangeCount,
            };
            if (change.Kind != ChangeKind.Deleted && change.Payload.ValueKind == JsonValueKind.Object)
            {
                item["payload"] = AnswerBudget.FitPayload(change.Payload, context.ItemCap, out var omitted);
                if (omitted is not null)
                {
                    item["omitted_fields"] = omitted;
                }
            }

            if (!budget.TryAdd(changes, item))
            {
                return limit == 1 ? throw new InvalidOperationException("One change did not fit an answer.") : null;
            }
        }

        if (page.HasMore)
        {
            answer["next"] = string.Create(CultureInfo.InvariantCulture, $"More changes wait: call changes_since with position {page.Position} (and the same resource).");
        }

        if (limit < MaxEvents && page.Changes.Count > 0)
        {
            answer["events_per_page"] = limit;
        }

        return answer;
    }
}
