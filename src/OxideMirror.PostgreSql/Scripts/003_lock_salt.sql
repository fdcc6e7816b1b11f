-- OxideMirror.PostgreSql, schema version 3 ({schema} is the mirror's schema).
-- The mirror's advisory-lock keys (sources, records, columns, table names) hash this secret with their names, so that an
-- agent's query, which may call pg_advisory_lock like any role, cannot compute a key and hold up a sync worker. The
-- agent role is granted no access to this table (scripts/agent_role.sql grants SELECT on named tables only).
CREATE TABLE {schema}.mirror_lock_salt (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    salt text NOT NULL
);

INSERT INTO {schema}.mirror_lock_salt (salt) VALUES (gen_random_uuid()::text || gen_random_uuid()::text);

-- Version 2 found a page's not yet positioned events here; pages now insert their events already positioned.
DROP INDEX IF EXISTS {schema}.mirror_events_unpositioned;
