-- OxideMirror.PostgreSql, schema version 1: the store's own tables, in the mirror's schema ({schema}).
-- The migrator runs this once, in one transaction, under an advisory lock; mirror_schema_migrations records it.
CREATE TABLE {schema}.mirror_resources (
    name text PRIMARY KEY,
    table_name text NOT NULL UNIQUE,
    first_seen_at timestamptz NOT NULL
);

CREATE TABLE {schema}.mirror_columns (
    resource text NOT NULL REFERENCES {schema}.mirror_resources (name),
    key text NOT NULL,
    column_name text NOT NULL,
    column_type text NOT NULL,
    position int NOT NULL,
    PRIMARY KEY (resource, key),
    UNIQUE (resource, column_name)
);

CREATE TABLE {schema}.mirror_events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    resource text NOT NULL,
    record_id text NOT NULL,
    op text NOT NULL,
    payload json,
    merged_payload json,
    source text NOT NULL,
    confidence double precision NOT NULL,
    occurred_at timestamptz NOT NULL,
    applied_at timestamptz NOT NULL,
    applied boolean NOT NULL,
    decision text NOT NULL,
    strategy text NOT NULL,
    delta_id text,
    version bigint NOT NULL
);

CREATE UNIQUE INDEX mirror_events_delta_id ON {schema}.mirror_events (source, delta_id) WHERE delta_id IS NOT NULL;
CREATE INDEX mirror_events_record ON {schema}.mirror_events (resource, record_id, seq);

CREATE TABLE {schema}.mirror_records (
    resource text NOT NULL,
    record_id text NOT NULL,
    payload json,
    source text NOT NULL,
    last_synced_at timestamptz NOT NULL,
    occurred_at timestamptz NOT NULL,
    confidence double precision NOT NULL,
    version bigint NOT NULL,
    deleted_at timestamptz,
    PRIMARY KEY (resource, record_id)
);

CREATE INDEX mirror_records_source ON {schema}.mirror_records (resource, source) WHERE deleted_at IS NULL;

CREATE TABLE {schema}.mirror_cursors (
    source text NOT NULL,
    resource text NOT NULL,
    cursor text,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (source, resource)
);

CREATE TABLE {schema}.mirror_sources (
    source text PRIMARY KEY,
    last_synced_at timestamptz NOT NULL
);

CREATE TABLE {schema}.mirror_resource_sources (
    resource text NOT NULL,
    source text NOT NULL,
    PRIMARY KEY (resource, source)
);
