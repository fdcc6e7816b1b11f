namespace OxideMirror;

/// <summary>
/// The one rule for "a record's state after these events", read from the log: each record's state is set by its last
/// applied event (a compaction <c>snapshot</c> is an applied event carrying full state); that state is the payload the
/// strategy merged if it merged, else the payload given, and none (a tombstone) after a delete or an empty snapshot. The
/// record row follows from that event: synced when it was applied, deleted then if it has no state.
/// </summary>
/// <remarks>
/// The rule is rendered twice, because SQLite evaluates it over the log in place and the what-if replay streams events
/// through C#: <see cref="StateSql"/> and <see cref="StateAfter{T}"/>. <c>RecordProjectionTests</c> runs both over every
/// combination of op and payloads and holds them equal. Rebuild, compaction, time travel and what-if replay use it; the
/// live write path decides the same state through <see cref="ApplyRules"/>, and the rebuild-from-log law holds the two equal.
/// </remarks>
internal static class RecordProjection
{
    /// <summary>The filter of the events that set a record's state.</summary>
    public const string StateEvents = "applied = 1";

    /// <summary>The state an event leaves its record in, as a SQL expression over a <c>mirror_events</c> row: payload text, or NULL for none.</summary>
    public const string StateSql = $"CASE WHEN op = '{LogVocabulary.DeleteOp}' THEN NULL ELSE coalesce(merged_payload, payload) END";

    /// <summary>The state an event leaves its record in: the merged payload, else the payload, or null after a delete.</summary>
    public static T? StateAfter<T>(string op, T? payload, T? mergedPayload)
        where T : class =>
        op == LogVocabulary.DeleteOp ? null : mergedPayload ?? payload;

    /// <summary>
    /// Each record's last state event in log order among <paramref name="events"/> (a <c>mirror_events</c> table), with the
    /// columns <see cref="InsertRecordsSql"/> reads, in record order.
    /// </summary>
    /// <remarks>
    /// Built for a log larger than memory, like <see cref="InsertHistorySql"/>: each record's last seq is found reading the
    /// log in rowid order (not through the record index, which would fetch every event's row at a random place) and sorting
    /// only seqs and records; those events are then read in log order by their seq, and sorted by record, so that the rows
    /// append to <c>mirror_records</c>'s key.
    /// </remarks>
    public static string LastStateEventsSql(string events) =>
        "SELECT resource, record_id, op, payload, merged_payload, source, applied_at, occurred_at, confidence, version, seq " +
        $"FROM {events} WHERE seq IN (SELECT max(seq) FROM {events} NOT INDEXED WHERE {StateEvents} GROUP BY resource, record_id) ORDER BY resource, record_id";

    /// <summary>
    /// Inserts into <paramref name="records"/> (a table shaped like <c>mirror_records</c>) one row per event that
    /// <paramref name="stateEvents"/> selects (one per record, with the columns of <see cref="LastStateEventsSql"/>).
    /// </summary>
    public static string InsertRecordsSql(string records, string stateEvents) =>
        $"INSERT INTO {records} (resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version, deleted_at, seq) " +
        "SELECT resource, record_id, state, source, applied_at, occurred_at, confidence, version, CASE WHEN state IS NULL THEN applied_at END, seq " +
        $"FROM (SELECT *, {StateSql} AS state FROM ({stateEvents}))";

    /// <summary>
    /// Inserts into <paramref name="history"/> (a table shaped like <c>mirror_records_history</c>) every version of a record
    /// that a later state event among <paramref name="events"/> replaced: the row the version's event left (as
    /// <see cref="InsertRecordsSql"/> writes it), with the seq and applied time of the event that replaced it, under the
    /// version's <see cref="HistoryKey"/>. The record's last version is its <c>mirror_records</c> row. Script 0006 fills
    /// the same rows for stores made before it, with the statement this one was before it was built for size.
    /// </summary>
    /// <remarks>
    /// Built for a log larger than memory. The window reads the log in rowid order, not through the record index (which
    /// would fetch every event's row at a random place), and sorts only each event's seq, record and applied time; each
    /// version's row is then read by its seq, and the rows are sorted by key before they are inserted, so they append to
    /// the history and its <c>replaced_at</c> index instead of landing on a random page each (SQLite sorts in temporary
    /// files past its cache). On a 3,000,000-event file the sort by key made a rebuild 1.4–1.7× faster, and the read in
    /// rowid order halved this statement's time on a cold cache (docs/performance.md).
    /// </remarks>
    public static string InsertHistorySql(string history, string events) =>
        $"INSERT INTO {history} (key, replaced_seq, replaced_at, resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version, deleted_at) " +
        $"SELECT {HistoryKey.Sql("seq", "next_seq")}, next_seq, next_at, resource, record_id, state, source, applied_at, occurred_at, confidence, version, CASE WHEN state IS NULL THEN applied_at END " +
        $"FROM (SELECT e.seq, e.resource, e.record_id, e.source, e.applied_at, e.occurred_at, e.confidence, e.version, {StateSql} AS state, p.next_seq, p.next_at " +
        $"FROM (SELECT seq AS made, lead(seq) OVER w AS next_seq, lead(applied_at) OVER w AS next_at FROM {events} NOT INDEXED WHERE {StateEvents} " +
        $"WINDOW w AS (PARTITION BY resource, record_id ORDER BY seq)) AS p CROSS JOIN {events} AS e ON e.seq = p.made WHERE p.next_seq IS NOT NULL) ORDER BY 1";
}
