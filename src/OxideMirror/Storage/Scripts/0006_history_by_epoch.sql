-- OxideMirror schema, version 6: the history keyed so that the versions current at a moment lie together
-- (Log/TimeTravel/HistoryKey.cs). An as-of query reads about as many history rows as there were versions current at its
-- moment, instead of every version replaced after it.

-- The log position of the event that made each record's current row (mirror_events.seq).
ALTER TABLE mirror_records ADD COLUMN seq INTEGER;
UPDATE mirror_records SET seq = (
    SELECT max(e.seq) FROM mirror_events e
    WHERE e.resource = mirror_records.resource AND e.record_id = mirror_records.record_id AND e.applied = 1);

-- Every version a later one replaced, under its key: (replaced_seq >> 10) << 40 | the seq of the event that made it.
-- Filled from the log for a store made before this version (the same statement as RecordProjection.InsertHistorySql);
-- the resource history tables are keyed the same way when the store opens (StoreOpener.EnsureHistoryTables).
DROP TABLE mirror_records_history;
CREATE TABLE mirror_records_history (
    key            INTEGER PRIMARY KEY,
    replaced_seq   INTEGER NOT NULL,
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

INSERT INTO mirror_records_history (key, replaced_seq, replaced_at, resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version, deleted_at)
SELECT ((next_seq >> 10) << 40) | seq, next_seq, next_at, resource, record_id, state, source, applied_at, occurred_at, confidence, version, CASE WHEN state IS NULL THEN applied_at END
FROM (
    SELECT seq, resource, record_id, source, applied_at, occurred_at, confidence, version,
           CASE WHEN op = 'delete' THEN NULL ELSE coalesce(merged_payload, payload) END AS state,
           lead(seq) OVER w AS next_seq, lead(applied_at) OVER w AS next_at
    FROM mirror_events WHERE applied = 1
    WINDOW w AS (PARTITION BY resource, record_id ORDER BY seq))
WHERE next_seq IS NOT NULL;

-- The first version replaced after a moment, by applied time (one seek: applied times follow log order); its key's
-- epoch is the first an as-of query reads.
CREATE INDEX mirror_records_history_replaced_at ON mirror_records_history (replaced_at);

-- The epochs that hold history rows: an as-of query seeks each one from its moment's on. WITHOUT ROWID, so that reading
-- epoch is a column read (SQLite reports a read of a rowid alias as a read of no column, outside the view that made it).
CREATE TABLE mirror_epochs (epoch INTEGER PRIMARY KEY) WITHOUT ROWID;
INSERT INTO mirror_epochs (epoch) SELECT DISTINCT key >> 40 FROM mirror_records_history;
