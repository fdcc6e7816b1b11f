-- OxideMirror.PostgreSql, schema version 2: a log position that follows commit order ({schema} is the mirror's schema).
-- mirror_events.seq is an identity assigned when an event is inserted, so with workers committing concurrently a page
-- that commits late can hold lower seqs than one already read. mirror_events.position is assigned instead at the end of
-- each page's transaction, while the page holds the row lock of mirror_log_head until it commits: positions are handed
-- out in commit order, and every committed snapshot holds a prefix of them (a reader can never pass over an event).
ALTER TABLE {schema}.mirror_events ADD COLUMN position bigint;

-- Events committed before this version are all visible already: their insert order is a commit-safe order.
UPDATE {schema}.mirror_events SET position = seq;

CREATE UNIQUE INDEX mirror_events_position ON {schema}.mirror_events (position);

-- A page finds its own not yet positioned events here (another page's are invisible until it commits, positioned).
CREATE INDEX mirror_events_unpositioned ON {schema}.mirror_events (seq) WHERE position IS NULL;

-- One record's history, and whether it was live before a position, in position order.
DROP INDEX {schema}.mirror_events_record;
CREATE INDEX mirror_events_record ON {schema}.mirror_events (resource, record_id, position);

-- The end of the log: the last position handed out and the last applied time, one row, locked by each page's tail.
CREATE TABLE {schema}.mirror_log_head (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    position bigint NOT NULL,
    applied_at timestamptz
);

INSERT INTO {schema}.mirror_log_head (position, applied_at)
SELECT coalesce(max(position), 0), max(applied_at) FROM {schema}.mirror_events;
