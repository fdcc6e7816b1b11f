using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// Answers the store's reads of the event log — position, count, one record's history and the net changes after a
/// position or a time — on a read-only connection the caller leased, as the public result types.
/// </summary>
internal static class EventLog
{
    /// <summary>The most applied events a page of changes covers when the caller names no limit.</summary>
    public const int DefaultChangesLimit = 1000;

    /// <summary>The most applied events one page of changes may cover.</summary>
    public const int MaxChangesLimit = 100_000;

    public static Task<long> PositionAsync(SqliteConnection connection, CancellationToken cancellationToken) =>
        EventReader.HeadAsync(connection, cancellationToken);

    public static Task<long> CountAsync(SqliteConnection connection, string? resource, CancellationToken cancellationToken) =>
        EventReader.CountAsync(connection, resource, cancellationToken);

    /// <summary>Reads the applied time of the log's newest event, or the minimum for an empty log (the write path keeps it from there).</summary>
    public static DateTimeOffset LastAppliedAt(SqliteConnection connection) => EventReader.LastAppliedAt(connection);

    /// <summary>Reads a record's events in log order, each with the record's state after the last applied event up to it.</summary>
    public static async Task<IReadOnlyList<RecordChange>> HistoryAsync(SqliteConnection connection, string resource, string recordId, CancellationToken cancellationToken)
    {
        var rows = await EventReader.HistoryAsync(connection, resource, recordId, cancellationToken).ConfigureAwait(false);
        var changes = new List<RecordChange>(rows.Count);
        var state = default(JsonElement);
        foreach (var row in rows)
        {
            if (row.IsApplied)
            {
                state = EventReader.Parse(row.StateAfter);
            }

            changes.Add(row.ToChange(state));
        }

        return changes;
    }

    /// <summary>Reads the net changes applied after the last event applied at or before a time, as one page.</summary>
    public static async Task<ChangeSet> ChangesSinceAsync(SqliteConnection connection, DateTimeOffset since, string? resource, int limit, CancellationToken cancellationToken)
    {
        var position = await EventReader.PositionAtAsync(connection, since, cancellationToken).ConfigureAwait(false);
        return await ChangesAsync(connection, position, resource, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the net change to each record applied after a position, as one page (see <see cref="ChangeRules"/>).</summary>
    public static async Task<ChangeSet> ChangesAsync(SqliteConnection connection, long since, string? resource, int limit, CancellationToken cancellationToken)
    {
        var page = await EventReader.AppliedAfterAsync(connection, since, resource, limit, cancellationToken).ConfigureAwait(false);

        // Group the page's events by record, keeping each record's first and last event.
        var records = new Dictionary<(string, string), (EventReader.Row First, EventReader.Row Last, int Count)>();
        foreach (var row in page.Rows)
        {
            var key = (row.Resource, row.RecordId);
            records[key] = records.TryGetValue(key, out var seen) ? (seen.First, row, seen.Count + 1) : (row, row, 1);
        }

        var changes = new List<RecordChangeSummary>(records.Count);
        var counts = new Dictionary<string, ResourceChangeCounts>(StringComparer.Ordinal);
        foreach (var (first, last, count) in records.Values.OrderBy(r => r.Last.Seq))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var existed = ChangeRules.ExistedBefore(first.Decision)
                ?? await EventReader.LiveBeforeAsync(connection, first.Resource, first.RecordId, first.Seq, cancellationToken).ConfigureAwait(false);
            var state = last.StateAfter;
            var kind = ChangeRules.Net(existed, liveAtEnd: state is not null);
            changes.Add(new RecordChangeSummary
            {
                Resource = last.Resource,
                RecordId = last.RecordId,
                Kind = kind,
                ExistedAtStart = existed,
                Payload = EventReader.Parse(state),
                Version = last.Version,
                Source = last.Source,
                AppliedAt = Timestamps.Read(last.AppliedAt),
                LastPosition = last.Seq,
                ChangeCount = count,
            });
            counts.TryGetValue(last.Resource, out var c);
            counts[last.Resource] = ChangeRules.Add(c, kind);
        }

        return new ChangeSet { FromPosition = since, Position = page.Position, HasMore = page.HasMore, Changes = changes, Counts = counts };
    }
}
