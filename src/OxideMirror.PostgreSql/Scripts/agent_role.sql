-- OxideMirror.PostgreSql: the agent role. Run by the mirror's owner (a superuser, or a role with CREATEROLE that owns
-- the schema) — PostgresMirrorStore.EnsureAgentRoleAsync runs it — with {schema}, {role}, {password}, {database},
-- {statement_timeout_ms}, {work_mem_kb} and {temp_file_limit_kb} filled in. Safe to run again: it creates what is
-- missing and (re)grants exactly this.
--
-- What the role can do: log in to this database, and SELECT the resource tables and the documented mirror_ tables of
-- the mirror's schema. Nothing else of the schema (no CREATE, no other privilege), no other schema's tables, no
-- superuser-only function (pg_read_file, lo_import, COPY ... PROGRAM need privileges the role never gets), no
-- membership of any other role (so SET ROLE leads nowhere), and the functions of the extensions that reach outside
-- the database (dblink, postgres_fdw, file_fdw, adminpack) are revoked from PUBLIC where they are installed.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
        CREATE ROLE {role_ident} LOGIN;
    END IF;
END
$$;

ALTER ROLE {role_ident} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 64 PASSWORD {password};

-- Defaults for every session of the role; the store also sets the same bounds per query (SET LOCAL), and a client-side
-- cancel. temp_file_limit can only be set by a superuser: this script is the place it is set for the role.
ALTER ROLE {role_ident} SET default_transaction_read_only = on;
ALTER ROLE {role_ident} SET statement_timeout = {statement_timeout_ms};
ALTER ROLE {role_ident} SET idle_in_transaction_session_timeout = 10000;
ALTER ROLE {role_ident} SET work_mem = {work_mem_kb};
ALTER ROLE {role_ident} SET search_path = {schema};
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE {role_ident} SET temp_file_limit = {temp_file_limit_kb}';
    END IF;
END
$$;

GRANT CONNECT ON DATABASE {database} TO {role_ident};
REVOKE ALL ON SCHEMA {schema} FROM {role_ident};
GRANT USAGE ON SCHEMA {schema} TO {role_ident};
REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role_ident};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role_ident};
GRANT SELECT ON {schema}.mirror_resources, {schema}.mirror_columns, {schema}.mirror_events, {schema}.mirror_records,
    {schema}.mirror_cursors, {schema}.mirror_sources, {schema}.mirror_resource_sources TO {role_ident};

-- Resource tables: those that exist now; the store grants SELECT on each new one in the transaction that creates it.
DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT table_name FROM {schema}.mirror_resources LOOP
        EXECUTE format('GRANT SELECT ON %I.%I TO %I', '{schema_name}', t, '{role}');
    END LOOP;
END
$$;

-- Extensions that reach other servers or the file system: their functions are granted to PUBLIC when installed.
DO $$
DECLARE f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure
        FROM pg_proc p
        JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
        JOIN pg_extension e ON e.oid = d.refobjid
        WHERE e.extname IN ('dblink', 'postgres_fdw', 'file_fdw', 'adminpack')
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;
