using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// Explains a live record's payload field by field from the event log (see <see cref="MirrorStore.ExplainAsync"/>), on a
/// read-only connection the caller leased and read the record on.
/// </summary>
internal static class FieldExplainer
{
    private const int PageSize = 64;

    /// <summary>Explains a live record's fields, or returns null when the record is deleted or was never seen.</summary>
    public static async Task<RecordExplanation?> ExplainLiveAsync(SqliteConnection connection, string resource, string recordId, CancellationToken cancellationToken)
    {
        var row = await RecordReader.FindAsync(connection, resource, recordId, cancellationToken).ConfigureAwait(false);
        return row is { Live: { RawPayload: not null } record }
            ? await ExplainAsync(connection, resource, recordId, record, cancellationToken).ConfigureAwait(false)
            : null;
    }

    /// <summary>Walks the record's applied events from the newest back, only as far as needed, and attributes each top-level field.</summary>
    /// <param name="connection">The leased read-only connection.</param>
    /// <param name="resource">The resource, as the caller named it.</param>
    /// <param name="recordId">The record's id, as the caller named it.</param>
    /// <param name="record">The record as read on <paramref name="connection"/>; live, with a payload.</param>
    /// <param name="cancellationToken">A token to cancel the walk.</param>
    public static async Task<RecordExplanation> ExplainAsync(SqliteConnection connection, string resource, string recordId, MirroredRecord record, CancellationToken cancellationToken)
    {
        using var current = JsonDocument.Parse(record.RawPayload!);
        var unexplained = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in current.RootElement.EnumerateObject())
        {
            unexplained[property.Name] = property.Value;
        }

        var owners = new Dictionary<string, EventReader.Row>(StringComparer.Ordinal);
        EventReader.Row? oldest = null;
        var before = long.MaxValue;
        var ended = false;
        while (!ended && unexplained.Count > 0)
        {
            var page = await EventReader.AppliedNewestFirstAsync(connection, resource, recordId, record.Version, before, PageSize, cancellationToken).ConfigureAwait(false);
            foreach (var row in page)
            {
                before = row.Seq;
                if (row.Op == LogVocabulary.DeleteOp)
                {
                    // Nothing older than a delete survives it; the event after it (oldest) owns what is left.
                    ended = true;
                    break;
                }

                oldest = row;
                Attribute(row, unexplained, owners);
                if (row.ReplacesRecord || unexplained.Count == 0)
                {
                    ended = true;
                    break;
                }
            }

            if (page.Count < PageSize)
            {
                break;
            }
        }

        if (oldest is not null)
        {
            foreach (var key in unexplained.Keys)
            {
                owners[key] = oldest;
            }
        }

        var fields = new List<FieldProvenance>();
        foreach (var property in current.RootElement.EnumerateObject())
        {
            if (owners.TryGetValue(property.Name, out var owner))
            {
                fields.Add(new FieldProvenance
                {
                    Field = property.Name,
                    Value = property.Value.Clone(),
                    Source = owner.Source,
                    Position = owner.Seq,
                    Decision = LogVocabulary.Decision(owner.Decision),
                    Confidence = owner.Confidence,
                    OccurredAt = Timestamps.Read(owner.OccurredAt),
                    AppliedAt = Timestamps.Read(owner.AppliedAt),
                });
            }
            else
            {
                fields.Add(FromSnapshot(property, record));
            }
        }

        return new RecordExplanation { Resource = resource, RecordId = recordId, Version = record.Version, Fields = fields };
    }

    /// <summary>Gives an event the unexplained fields its incoming payload holds with their current values.</summary>
    private static void Attribute(EventReader.Row row, Dictionary<string, JsonElement> unexplained, Dictionary<string, EventReader.Row> owners)
    {
        if (row.Payload is null)
        {
            return;
        }

        using var incoming = JsonDocument.Parse(row.Payload);
        if (incoming.RootElement.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in incoming.RootElement.EnumerateObject())
        {
            if (unexplained.TryGetValue(property.Name, out var value) && JsonElement.DeepEquals(value, property.Value))
            {
                owners[property.Name] = row;
                unexplained.Remove(property.Name);
            }
        }
    }

    /// <summary>
    /// The provenance of a field no retained event explains: a compaction snapshot (or the oldest retained state) set it,
    /// so it is attributed to the record's own source and times at position 0. Both explainers use this rule.
    /// </summary>
    internal static FieldProvenance FromSnapshot(JsonProperty property, MirroredRecord record) => new()
    {
        Field = property.Name,
        Value = property.Value.Clone(),
        Source = record.Source,
        Position = 0,
        Decision = ApplyDecision.Snapshot,
        Confidence = record.Confidence,
        OccurredAt = record.OccurredAt,
        AppliedAt = record.LastSyncedAt,
    };
}
