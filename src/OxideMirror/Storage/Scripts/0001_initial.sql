-- OxideMirror schema, version 1: the event log, the records projection, cursors and resources.
-- Timestamps are UTC ISO-8601 text (yyyy-MM-ddTHH:mm:ss.fffffffZ): sortable, and readable by SQLite's date functions.

CREATE TABLE mirror_schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at TEXT    NOT NULL
);

-- The caller's own migrations (MirrorStoreOptions.Migrations), numbered in their own sequence.
CREATE TABLE mirror_user_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at TEXT    NOT NULL
);

-- Every resource seen, with the table an agent reads it through (named by the rule in Store/Identifiers.cs).
CREATE TABLE mirror_resources (
    name          TEXT PRIMARY KEY,
    table_name    TEXT NOT NULL UNIQUE COLLATE NOCASE,
    first_seen_at TEXT NOT NULL
);

-- The columns of each resource's table: one per top-level payload key seen so far, in order of first appearance.
CREATE TABLE mirror_columns (
    resource    TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    column_name TEXT    NOT NULL COLLATE NOCASE,
    position    INTEGER NOT NULL,
    is_json     INTEGER NOT NULL DEFAULT 0,
    added_at    TEXT    NOT NULL,
    PRIMARY KEY (resource, key),
    UNIQUE (resource, column_name)
);

-- Every change to the agent-facing schema: a resource table created, a column added, an index created.
CREATE TABLE mirror_schema_changes (
    seq         INTEGER PRIMARY KEY,
    resource    TEXT NOT NULL,
    change      TEXT NOT NULL CHECK (change IN ('create_table', 'add_column', 'create_index')),
    key         TEXT,
    column_name TEXT,
    changed_at  TEXT NOT NULL
);

-- When each source last committed changes or a cursor, and which resources each source feeds: QueryResult.Freshness.
CREATE TABLE mirror_sources (
    source         TEXT PRIMARY KEY,
    last_synced_at TEXT NOT NULL
);

CREATE TABLE mirror_resource_sources (
    resource TEXT NOT NULL,
    source   TEXT NOT NULL,
    PRIMARY KEY (resource, source)
);

-- The append-only log: every delta, applied or not, with the strategy's decision.
-- op 'snapshot' (decision 'snapshot', applied 1) is written only by compaction: it stands for the compacted history of
-- one record and carries the record's full state after it (payload, source, confidence, occurred_at, version), so a
-- replay of the log still ends in the same state.
CREATE TABLE mirror_events (
    seq            INTEGER PRIMARY KEY,
    resource       TEXT    NOT NULL,
    record_id      TEXT    NOT NULL,
    op             TEXT    NOT NULL CHECK (op IN ('upsert', 'delete', 'snapshot')),
    payload        TEXT,
    merged_payload TEXT,
    source         TEXT    NOT NULL,
    confidence     REAL    NOT NULL,
    occurred_at    TEXT    NOT NULL,
    applied_at     TEXT    NOT NULL,
    applied        INTEGER NOT NULL CHECK (applied IN (0, 1)),
    decision       TEXT    NOT NULL,
    strategy       TEXT    NOT NULL,
    delta_id       TEXT,
    version        INTEGER NOT NULL
);

CREATE UNIQUE INDEX mirror_events_delta_id ON mirror_events (source, delta_id) WHERE delta_id IS NOT NULL;

-- A record's history in order (seq is the rowid, so each entry ends with it): history, explain, time travel.
CREATE INDEX mirror_events_record ON mirror_events (resource, record_id);

-- The current state, a projection of the log. A deleted record keeps a tombstone row (payload NULL, deleted_at set).
CREATE TABLE mirror_records (
    resource       TEXT    NOT NULL,
    record_id      TEXT    NOT NULL,
    payload        TEXT,
    source         TEXT    NOT NULL,
    last_synced_at TEXT    NOT NULL,
    occurred_at    TEXT    NOT NULL,
    confidence     REAL    NOT NULL,
    version        INTEGER NOT NULL,
    deleted_at     TEXT,
    PRIMARY KEY (resource, record_id)
);

CREATE TABLE mirror_cursors (
    source     TEXT NOT NULL,
    resource   TEXT NOT NULL DEFAULT '*',
    cursor     TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source, resource)
);
