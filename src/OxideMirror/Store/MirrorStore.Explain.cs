using System.Text.Json;
using Dapper;

namespace OxideMirror;

public sealed partial class MirrorStore
{
    private const int ExplainPageSize = 64;

    /// <summary>
    /// Explains a record's current payload field by field: for each top-level field, the source and event that set it, with
    /// that event's confidence and times. Most useful after <see cref="MergeJson"/> combined several sources.
    /// </summary>
    /// <param name="resource">The resource, for example <c>customers</c>.</param>
    /// <param name="recordId">The record's id.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The explanation, or <see langword="null"/> when the record was never seen or is deleted.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> or <paramref name="recordId"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="resource"/> or <paramref name="recordId"/> is empty or white space.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    /// <remarks>
    /// <para>
    /// Thread-safe. Walks the record's applied events from the newest back, a page at a time through the log's
    /// <c>(resource, record_id)</c> index, and only as far as needed. A field belongs to the newest applied event whose
    /// incoming payload holds that key with the field's current value. The walk ends at the event that replaced the whole
    /// record (an insert, a non-merged update, or a compaction snapshot), which owns every field not yet explained, for
    /// example a nested object that a merge combined from several sources.
    /// </para>
    /// <para>
    /// Events newer than the record's version are ignored, so a batch committed during the walk cannot skew it. A field
    /// the log cannot account for (its events were removed without a snapshot) is attributed to the record's last
    /// change, with <see cref="FieldProvenance.Position"/> 0.
    /// </para>
    /// </remarks>
    public async Task<RecordExplanation?> ExplainAsync(string resource, string recordId, CancellationToken cancellationToken = default)
    {
        Ids.ThrowIfBlank(resource);
        Ids.ThrowIfBlank(recordId);
        ThrowIfDisposed();
        using var lease = await LeaseReaderAsync(cancellationToken).ConfigureAwait(false);
        var connection = lease.Reader.Connection;
        var record = await connection.QuerySingleOrDefaultAsync<RecordRow?>(new CommandDefinition(
            $"SELECT {RecordColumns} FROM mirror_records WHERE resource = @resource AND record_id = @recordId",
            new { resource, recordId },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (record is not { DeletedAt: null, Payload: { } payload })
        {
            return null;
        }

        using var current = JsonDocument.Parse(payload);
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
            var page = await EventReader.AppliedNewestFirstAsync(connection, resource, recordId, record.Version, before, ExplainPageSize, cancellationToken).ConfigureAwait(false);
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

            if (page.Count < ExplainPageSize)
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
                fields.Add(new FieldProvenance
                {
                    Field = property.Name,
                    Value = property.Value.Clone(),
                    Source = record.Source,
                    Position = 0,
                    Decision = ApplyDecision.Snapshot,
                    Confidence = record.Confidence,
                    OccurredAt = Timestamps.Read(record.OccurredAt),
                    AppliedAt = Timestamps.Read(record.LastSyncedAt),
                });
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
}
