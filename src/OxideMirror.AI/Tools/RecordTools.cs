using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OxideMirror.AI;

/// <summary>The record tools: <c>get_record</c>, <c>record_history</c> and <c>explain_record</c>.</summary>
internal static class RecordTools
{
    private const int DefaultHistoryEvents = 20;
    private const int MaxHistoryEvents = 100;

    private const string RecordArguments = """
        "resource":{"type":"string","description":"The resource (or its table name), as mirror_overview lists it."},
        "id":{"type":"string","description":"The record's id (the record_id column)."}
        """;

    /// <summary>The argument schema of a tool that takes only a record's resource and id.</summary>
    private const string RecordSchema = "{\"type\":\"object\",\"properties\":{" + RecordArguments + "},\"required\":[\"resource\",\"id\"],\"additionalProperties\":false}";

    public static MirrorFunction GetRecord(ToolContext context) => new(
        MirrorToolNames.GetRecord,
        "Reads one record's current state by resource and id: its payload (all fields as the source sent them, nested JSON included), "
        + "version, source, confidence and when it was synced. A deleted record answers found=false with when it was deleted. "
        + "Fields too large for the answer are listed in omitted_fields.",
        RecordSchema,
        ["resource", "id"],
        context,
        async (args, ct) =>
        {
            var (resource, id) = (args.RequiredString("resource"), args.RequiredString("id"));
            var store = await context.Reader(ct).ConfigureAwait(false);
            var record = await store.GetRecordAsync(resource, id, ct).ConfigureAwait(false);
            if (record is null)
            {
                var answer = new JsonObject { ["found"] = false, ["resource"] = ToolJson.Shorten(resource), ["id"] = ToolJson.Shorten(id) };
                if (await store.GetTombstoneAsync(resource, id, ct).ConfigureAwait(false) is { } tombstone)
                {
                    answer["deleted"] = new JsonObject
                    {
                        ["deleted_at"] = ToolJson.Moment(tombstone.DeletedAt),
                        ["occurred_at"] = ToolJson.Moment(tombstone.OccurredAt),
                        ["source"] = tombstone.Source,
                        ["version"] = tombstone.Version,
                    };
                }
                else
                {
                    answer["note"] = "No record with that id was ever mirrored in that resource; names are case-sensitive (mirror_overview lists the resources).";
                }

                return answer;
            }

            var found = new JsonObject
            {
                ["found"] = true,
                ["resource"] = record.Resource,
                ["id"] = record.RecordId,
                ["version"] = record.Version,
                ["source"] = record.Source,
                ["confidence"] = record.Confidence,
                ["last_synced_at"] = ToolJson.Moment(record.LastSyncedAt),
                ["occurred_at"] = ToolJson.Moment(record.OccurredAt),
            };
            var budget = new AnswerBudget(context.MaxAnswerBytes, found);
            found["payload"] = AnswerBudget.FitPayload(record.Payload, budget.Remaining, out var omitted);
            if (omitted is not null)
            {
                found["omitted_fields"] = omitted;
                found["note"] = context.Postgres
                    ? "Fields in omitted_fields were too large for this answer: read one with query, for example SELECT substr(payload->>'field', 1, 2000) FROM mirror_records WHERE resource = @resource AND record_id = @id."
                    : "Fields in omitted_fields were too large for this answer: read one with query, for example SELECT substr(json_extract(payload, '$.field'), 1, 2000) FROM mirror_records WHERE resource = @resource AND record_id = @id.";
            }

            return found;
        });

    public static MirrorFunction History(ToolContext context) => new(
        MirrorToolNames.RecordHistory,
        "Lists one record's events from the mirror's append-only log, newest first: each delta that arrived (op, incoming payload, source, confidence), "
        + "what the conflict strategy decided (inserted, updated, merged, skipped, unchanged, deleted, ...), whether it applied, and the version after it. "
        + string.Create(CultureInfo.InvariantCulture, $"Pages of limit events (default {DefaultHistoryEvents}, up to {MaxHistoryEvents}); pass next_before_position to read older ones."),
        "{\"type\":\"object\",\"properties\":{" + RecordArguments + string.Create(CultureInfo.InvariantCulture, $$"""
        ,"limit":{"type":"integer","minimum":1,"maximum":{{MaxHistoryEvents}},"default":{{DefaultHistoryEvents}},"description":"The most events to return."},
        "before_position":{"type":"integer","minimum":1,"description":"Only events before this log position (the next_before_position of the previous page)."}
        """) + "},\"required\":[\"resource\",\"id\"],\"additionalProperties\":false}",
        ["resource", "id", "limit", "before_position"],
        context,
        async (args, ct) =>
        {
            var (resource, id) = (args.RequiredString("resource"), args.RequiredString("id"));
            var limit = (int)(args.OptionalInteger("limit", 1, MaxHistoryEvents) ?? DefaultHistoryEvents);
            var before = args.OptionalInteger("before_position", 1, long.MaxValue) ?? long.MaxValue;
            var store = await context.Reader(ct).ConfigureAwait(false);
            var history = await store.GetHistoryAsync(resource, id, ct).ConfigureAwait(false);
            var events = new JsonArray();
            var answer = new JsonObject
            {
                ["resource"] = ToolJson.Shorten(resource),
                ["id"] = ToolJson.Shorten(id),
                ["total_events"] = history.Count,
                ["events"] = events,
            };
            if (history.Count == 0)
            {
                answer["note"] = "The log holds no event for that record; names are case-sensitive (mirror_overview lists the resources).";
                return answer;
            }

            var budget = new AnswerBudget(context.MaxAnswerBytes, answer);
            var older = 0;
            long? last = null;
            var taken = 0;
            for (var i = history.Count - 1; i >= 0; i--)
            {
                var change = history[i];
                if (change.Position >= before)
                {
                    continue;
                }

                if (taken == limit || !budget.TryAdd(events, Event(change, Math.Min(context.ItemCap, budget.Remaining / 2))))
                {
                    older = i + 1;
                    break;
                }

                taken++;
                last = change.Position;
            }

            if (older > 0 && last is { } position)
            {
                answer["has_more"] = true;
                answer["next_before_position"] = position;
                answer["next"] = string.Create(CultureInfo.InvariantCulture, $"{older:N0} older events did not fit: call record_history again with before_position {position}.");
            }

            return answer;
        });

    public static MirrorFunction Explain(ToolContext context) => new(
        MirrorToolNames.ExplainRecord,
        "Says where each field of a record's current value came from: the source, the log position and decision of the event that last set it, "
        + "its confidence and when it happened. Use it when sources disagree or a value looks wrong.",
        RecordSchema,
        ["resource", "id"],
        context,
        async (args, ct) =>
        {
            var (resource, id) = (args.RequiredString("resource"), args.RequiredString("id"));
            var store = await context.Reader(ct).ConfigureAwait(false);
            var explanation = await store.ExplainAsync(resource, id, ct).ConfigureAwait(false);
            if (explanation is null)
            {
                return new JsonObject
                {
                    ["found"] = false,
                    ["resource"] = ToolJson.Shorten(resource),
                    ["id"] = ToolJson.Shorten(id),
                    ["note"] = "No live record with that id: it was deleted or never mirrored (record_history tells which).",
                };
            }

            var fields = new JsonArray();
            var answer = new JsonObject
            {
                ["found"] = true,
                ["resource"] = explanation.Resource,
                ["id"] = explanation.RecordId,
                ["version"] = explanation.Version,
                ["fields"] = fields,
            };
            var budget = new AnswerBudget(context.MaxAnswerBytes, answer);
            var shown = 0;
            foreach (var field in explanation.Fields)
            {
                var item = new JsonObject
                {
                    ["field"] = field.Field,
                    ["source"] = field.Source,
                    ["position"] = field.Position,
                    ["decision"] = Name(field.Decision),
                    ["confidence"] = field.Confidence,
                    ["occurred_at"] = ToolJson.Moment(field.OccurredAt),
                    ["applied_at"] = ToolJson.Moment(field.AppliedAt),
                };
                if (AnswerBudget.FitValue(field.Value, Math.Min(context.ItemCap, 1_024), out var size) is { } value)
                {
                    item["value"] = value;
                }
                else
                {
                    item["value_bytes"] = size;
                }

                if (!budget.TryAdd(fields, item))
                {
                    break;
                }

                shown++;
            }

            if (shown < explanation.Fields.Count)
            {
                answer["fields_omitted"] = explanation.Fields.Count - shown;
            }

            if (fields.Any(f => f!["value_bytes"] is not null))
            {
                answer["note"] = "Values over 1 KiB are given as value_bytes only; get_record returns the payload.";
            }

            return answer;
        });

    /// <summary>Writes one history event, its payloads cut to <paramref name="cap"/> bytes each.</summary>
    private static JsonObject Event(RecordChange change, long cap)
    {
        var item = new JsonObject
        {
            ["position"] = change.Position,
            ["op"] = Name(change.Op),
            ["decision"] = Name(change.Decision),
            ["applied"] = change.Applied,
            ["source"] = change.Source,
            ["confidence"] = change.Confidence,
            ["strategy"] = change.Strategy,
            ["occurred_at"] = ToolJson.Moment(change.OccurredAt),
            ["applied_at"] = ToolJson.Moment(change.AppliedAt),
            ["version"] = change.Version,
        };
        if (change.DeltaId is { } deltaId)
        {
            item["delta_id"] = ToolJson.Shorten(deltaId);
        }

        if (change.IncomingPayload.ValueKind == JsonValueKind.Object)
        {
            item["incoming"] = AnswerBudget.FitPayload(change.IncomingPayload, cap, out var omitted);
            if (omitted is not null)
            {
                item["incoming_omitted"] = omitted;
            }
        }

        // A merge stores something other than what arrived: show the result too.
        if (change.Decision == ApplyDecision.Merged && change.Payload.ValueKind == JsonValueKind.Object)
        {
            item["merged"] = AnswerBudget.FitPayload(change.Payload, cap, out var omitted);
            if (omitted is not null)
            {
                item["merged_omitted"] = omitted;
            }
        }

        return item;
    }

    internal static string Name<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();
}
