-- OxideMirror schema, version 3: time travel by validity (Log/TimeTravel/AsOfViews.cs).
-- Every version of a record the mirror stopped holding: a copy of its mirror_records row as it was, with the log
-- position (replaced_seq, the seq of the applied event that replaced it) and time (replaced_at, that event's applied_at)
-- where it stopped being current. It became current at last_synced_at. The write path appends a row in the same
-- transaction as the change that replaces the version; each resource table has the same for its rows, in
-- mirror_history_<table>. Like mirror_records, a projection of the log: a rebuild reproduces it.
CREATE TABLE mirror_records_history (
    replaced_seq   INTEGER PRIMARY KEY,
    replaced_at    TEXT    NOT NULL,
    resource       TEXT    NOT NULL,
    record_id      TEXT    NOT NULL,
    payload        TEXT,
    source         TEXT    NOT NULL,
    last_synced_at TEXT    NOT NULL,
    occurred_at    TEXT    NOT NULL,
    confidence     REAL    NOT NULL,
    version        INTEGER NOT NULL,
    deleted_at     TEXT
);

-- A store made before version 3: its history so far, from the log (each applied event replaced by the next one of its record).
INSERT INTO mirror_records_history (replaced_seq, replaced_at, resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version, deleted_at)
SELECT next_seq, next_at, resource, record_id, state, source, applied_at, occurred_at, confidence, version, CASE WHEN state IS NULL THEN applied_at END
FROM (
    SELECT resource, record_id, source, applied_at, occurred_at, confidence, version,
           CASE WHEN op = 'delete' THEN NULL ELSE coalesce(merged_payload, payload) END AS state,
           lead(seq) OVER w AS next_seq, lead(applied_at) OVER w AS next_at
    FROM mirror_events WHERE applied = 1
    WINDOW w AS (PARTITION BY resource, record_id ORDER BY seq))
WHERE next_seq IS NOT NULL;
