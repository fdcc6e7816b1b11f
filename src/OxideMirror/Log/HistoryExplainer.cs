using System.Text.Json;

namespace OxideMirror;

/// <summary>
/// Field provenance from a record's whole history (<see cref="MirrorReader.ExplainAsync"/>'s default): the rule of
/// <see cref="FieldExplainer"/>, over a list already read rather than a walk of the SQLite log.
/// </summary>
internal static class HistoryExplainer
{
    public static RecordExplanation Explain(MirroredRecord record, IReadOnlyList<RecordChange> history)
    {
        var current = record.Payload;
        var unexplained = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (current.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in current.EnumerateObject())
            {
                unexplained[property.Name] = property.Value;
            }
        }

        var owners = new Dictionary<string, RecordChange>(StringComparer.Ordinal);
        RecordChange? oldest = null;
        for (var i = history.Count - 1; i >= 0 && unexplained.Count > 0; i--)
        {
            var change = history[i];
            if (!change.Applied || change.Version > record.Version)
            {
                continue;
            }

            if (change.Op == ChangeOp.Delete)
            {
                // Nothing older than a delete survives it; the event after it (oldest) owns what is left.
                break;
            }

            oldest = change;
            if (change.IncomingPayload.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in change.IncomingPayload.EnumerateObject())
                {
                    if (unexplained.TryGetValue(property.Name, out var value) && JsonElement.DeepEquals(value, property.Value))
                    {
                        owners[property.Name] = change;
                        unexplained.Remove(property.Name);
                    }
                }
            }

            if (change.Op == ChangeOp.Snapshot || change.Decision == ApplyDecision.Inserted || (change.Op == ChangeOp.Upsert && change.Decision != ApplyDecision.Merged))
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
        if (current.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in current.EnumerateObject())
            {
                fields.Add(owners.TryGetValue(property.Name, out var owner)
                    ? new FieldProvenance
                    {
                        Field = property.Name,
                        Value = property.Value.Clone(),
                        Source = owner.Source,
                        Position = owner.Position,
                        Decision = owner.Decision,
                        Confidence = owner.Confidence,
                        OccurredAt = owner.OccurredAt,
                        AppliedAt = owner.AppliedAt,
                    }
                    : FieldExplainer.FromSnapshot(property, record));
            }
        }

        return new RecordExplanation { Resource = record.Resource, RecordId = record.RecordId, Version = record.Version, Fields = fields };
    }
}
