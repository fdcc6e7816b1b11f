using System.Text.Json;
using Npgsql;

namespace OxideMirror.PostgreSql;

/// <summary>
/// Answers the PostgreSQL store's reads of the event log — position, one record's history, the net changes after a
/// position or a time, and the pages a watch streams — by the commit-ordered <c>position</c>, with the SQLite store's
/// rules. Every committed snapshot holds a prefix of the positions (<see cref="PgLogPositions"/>), so a read bounded by
/// the head it saw never passes over an event that commits later.
/// </summary>
internal sealed class PgEventLog(string quotedSchema)
{
    /// <summary>The most applied events a page of changes covers when the caller names no limit.</summary>
    public const int DefaultChangesLimit = 1000;

    /// <summary>The most applied events one page of changes may cover.</summary>
    public const int MaxChangesLimit = 100_000;

    /// <summary>The most applied events one read of a watch takes.</summary>
    public const int WatchPageSize = 500;

    private readonly string _head = $"SELECT position FROM {quotedSchema}.mirror_log_head";
    private readonly string _history = $"SELECT {PgEventRow.Columns} FROM {quotedSchema}.mirror_events WHERE resource = $1 AND record_id = $2 AND position IS NOT NULL ORDER BY position";
    private readonly string _applied = $"SELECT {PgEventRow.Columns} FROM {quotedSchema}.mirror_events WHERE position > $1 AND position <= $2 AND applied ORDER BY position LIMIT $3";
    private readonly string _appliedForResource = $"SELECT {PgEventRow.Columns} FROM {quotedSchema}.mirror_events WHERE position > $1 AND position <= $2 AND applied AND resource = $4 ORDER BY position LIMIT $3";
    private readonly string _positionAt = $"SELECT position FROM {quotedSchema}.mirror_events WHERE position IS NOT NULL AND applied_at <= $1 ORDER BY position DESC LIMIT 1";
    private readonly string _liveBefore =
        $"SELECT op <> '{PgLogVocabulary.DeleteOp}' AND (payload IS NOT NULL OR merged_payload IS NOT NULL) FROM {quotedSchema}.mirror_events " +
        "WHERE resource = $1 AND record_id = $2 AND position < $3 AND applied ORDER BY position DESC LIMIT 1";

    public async Task<long> PositionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken) =>
        Convert.ToInt64(await PgSql.ScalarAsync(connection, transaction, _head, cancellationToken).ConfigureAwait(false) ?? 0L, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Reads a record's events in log order, each with the record's state after the last applied event up to it.</summary>
    public async Task<IReadOnlyList<RecordChange>> HistoryAsync(NpgsqlConnection connection, string resource, string recordId, CancellationToken cancellationToken)
    {
        var rows = await RowsAsync(connection, null, _history, cancellationToken, resource, recordId).ConfigureAwait(false);
        var changes = new List<RecordChange>(rows.Count);
        var state = default(JsonElement);
        foreach (var row in rows)
        {
            if (row.Applied)
            {
                state = PgEventRow.Parse(row.StateAfter);
            }

            changes.Add(row.ToChange(state));
        }

        return changes;
    }

    /// <summary>Reads the net changes applied after the last event applied at or before a time, as one page.</summary>
    public async Task<ChangeSet> ChangesSinceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset since, string? resource, int limit, CancellationToken cancellationToken)
    {
        var at = await PgSql.ScalarAsync(connection, transaction, _positionAt, cancellationToken, since).ConfigureAwait(false);
        var position = at is null ? 0 : Convert.ToInt64(at, System.Globalization.CultureInfo.InvariantCulture);
        return await ChangesAsync(connection, transaction, position, resource, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the net change to each record applied after a position, as one page, in the caller's (repeatable read)
    /// transaction: absent then live is inserted, live then live updated, not live at the end deleted.
    /// </summary>
    public async Task<ChangeSet> ChangesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long since, string? resource, int limit, CancellationToken cancellationToken)
    {
        var page = await AppliedAfterAsync(connection, transaction, since, resource, limit, cancellationToken).ConfigureAwait(false);

        // Group the page's events by record, keeping each record's first and last event.
        var records = new Dictionary<(string, string), (PgEventRow First, PgEventRow Last, int Count)>();
        foreach (var row in page.Rows)
        {
            var key = (row.Resource, row.RecordId);
            records[key] = records.TryGetValue(key, out var seen) ? (seen.First, row, seen.Count + 1) : (row, row, 1);
        }

        var changes = new List<RecordChangeSummary>(records.Count);
        var counts = new Dictionary<string, ResourceChangeCounts>(StringComparer.Ordinal);
        foreach (var (first, last, count) in records.Values.OrderBy(r => r.Last.Position))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var existed = PgLogVocabulary.ExistedBefore(first.Decision)
                ?? await PgSql.ScalarAsync(connection, transaction, _liveBefore, cancellationToken, first.Resource, first.RecordId, first.Position).ConfigureAwait(false) is true;
            var state = last.StateAfter;
            var kind = state is null ? ChangeKind.Deleted : existed ? ChangeKind.Updated : ChangeKind.Inserted;
            changes.Add(new RecordChangeSummary
            {
                Resource = last.Resource,
                RecordId = last.RecordId,
                Kind = kind,
                ExistedAtStart = existed,
                Payload = PgEventRow.Parse(state),
                Version = last.Version,
                Source = last.Source,
                AppliedAt = last.AppliedAt,
                LastPosition = last.Position,
                ChangeCount = count,
            });
            counts.TryGetValue(last.Resource, out var c);
            counts[last.Resource] = kind switch
            {
                ChangeKind.Inserted => c with { Inserted = c.Inserted + 1 },
                ChangeKind.Updated => c with { Updated = c.Updated + 1 },
                _ => c with { Deleted = c.Deleted + 1 },
            };
        }

        return new ChangeSet { FromPosition = since, Position = page.Position, HasMore = page.HasMore, Changes = changes, Counts = counts };
    }

    /// <summary>
    /// Reads up to <paramref name="limit"/> applied events after <paramref name="after"/>. The head is read first and
    /// bounds the scan; a page committed meanwhile is wholly after the returned position, never passed over.
    /// </summary>
    public async Task<Page> AppliedAfterAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long after, string? resource, int limit, CancellationToken cancellationToken)
    {
        var head = await PositionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        if (head <= after)
        {
            return new Page([], after, HasMore: false);
        }

        var rows = resource is null
            ? await RowsAsync(connection, transaction, _applied, cancellationToken, after, head, limit + 1).ConfigureAwait(false)
            : await RowsAsync(connection, transaction, _appliedForResource, cancellationToken, after, head, limit + 1, resource).ConfigureAwait(false);
        if (rows.Count > limit)
        {
            rows.RemoveAt(limit);
            return new Page(rows, rows[^1].Position, HasMore: true);
        }

        return new Page(rows, head, HasMore: false);
    }

    private static async Task<List<PgEventRow>> RowsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        var rows = new List<PgEventRow>();
        await using var command = PgSql.Command(connection, transaction, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(PgEventRow.Read(reader));
        }

        return rows;
    }

    /// <summary>A page of applied events, and the position it ends at.</summary>
    internal readonly record struct Page(List<PgEventRow> Rows, long Position, bool HasMore)
    {
        /// <summary>Gets the page's changes, made one by one as they are handed over.</summary>
        public IEnumerable<RecordChange> Changes
        {
            get
            {
                foreach (var row in Rows)
                {
                    yield return row.ToChange(PgEventRow.Parse(row.StateAfter));
                }
            }
        }
    }
}
