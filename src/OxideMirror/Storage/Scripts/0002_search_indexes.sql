-- OxideMirror schema, version 2: the opt-in full-text search indexes (Search/SearchIndexes.cs).
-- Each row is one FTS5 table over a resource table (external content, kept by triggers on that table). columns and
-- fields are JSON arrays, in the index's column order: the resource table's column names and the payload keys they hold.
CREATE TABLE mirror_search_indexes (
    resource   TEXT PRIMARY KEY,
    table_name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    fields     TEXT NOT NULL,
    columns    TEXT NOT NULL,
    created_at TEXT NOT NULL
);
