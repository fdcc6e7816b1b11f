using System.Globalization;

namespace OxideMirror.Contract.Tests;

/// <summary>What the query path must do with a hostile query.</summary>
public enum HostileOutcome
{
    /// <summary>Refused before running: <see cref="QueryNotReadOnlyException"/>.</summary>
    NotReadOnly,

    /// <summary>Rejected by SQLite or the runner (syntax, unknown name, a limit): a plain <see cref="QueryException"/>. A function the authorizer denies is a refusal (NotReadOnly).</summary>
    Invalid,

    /// <summary>Rejected as an argument (a NUL character): <see cref="ArgumentException"/>.</summary>
    BadArgument,

    /// <summary>Stopped at the time limit: <see cref="QueryTimeoutException"/>.</summary>
    TimedOut,

    /// <summary>Answered, but cut at the row or byte cap: <see cref="QueryResult.Truncated"/>.</summary>
    Truncated,

    /// <summary>Stopped while running, by the time limit or a size limit (which trips first depends on the machine).</summary>
    Stopped,

    /// <summary>Accepted because SQLite compiles it to nothing: no columns, no rows, no effect.</summary>
    NoOp,
}

/// <summary>
/// The project's hostile query corpus: every query an agent could send to change the mirror, reach outside it, or
/// exhaust the process, with what the SQLite store must do with it. Each store's tests send all of it (the SQLite
/// store's HostileQueryTests, the MCP tool's, the PostgreSQL store's HostileCorpusTests); <c>{dir}</c> and
/// <c>{token}</c> are a test's own folder and marker.
/// </summary>
public static class HostileCorpus
{
    /// <summary>Returns every case: its name, what the SQLite store must do with it, and its SQL.</summary>
    public static TheoryData<string, HostileOutcome, string> Cases()
    {
        var data = new TheoryData<string, HostileOutcome, string>();
        void Add(string name, HostileOutcome outcome, string sql) => data.Add(name, outcome, sql);

        // Writes hidden in CTEs.
        Add("cte-delete", HostileOutcome.NotReadOnly, "WITH x AS (SELECT 1) DELETE FROM customers");
        Add("cte-update", HostileOutcome.NotReadOnly, "WITH x AS (SELECT 1) UPDATE customers SET name = 'pwned'");
        Add("cte-insert", HostileOutcome.NotReadOnly, "WITH x AS (SELECT 1) INSERT INTO mirror_sources (source, last_synced_at) VALUES ('evil', 'now')");
        Add("cte-replace", HostileOutcome.NotReadOnly, "WITH x AS (SELECT 1) REPLACE INTO mirror_cursors (source, resource, cursor, updated_at) VALUES ('crm', '*', 'x', 'y')");
        Add("cte-recursive-delete", HostileOutcome.NotReadOnly, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) DELETE FROM mirror_events WHERE seq IN (SELECT n FROM r)");
        Add("cte-materialized-delete", HostileOutcome.NotReadOnly, "WITH x AS MATERIALIZED (SELECT record_id FROM customers) DELETE FROM invoices WHERE customer_id IN (SELECT record_id FROM x)");

        // RETURNING makes a write look like a query.
        Add("returning-delete", HostileOutcome.NotReadOnly, "DELETE FROM customers RETURNING *");
        Add("returning-update", HostileOutcome.NotReadOnly, "UPDATE mirror_records SET payload = NULL RETURNING record_id");
        Add("returning-insert", HostileOutcome.NotReadOnly, "INSERT INTO mirror_sources VALUES ('evil', 'now') RETURNING *");
        Add("returning-upsert", HostileOutcome.NotReadOnly, "INSERT INTO mirror_sources VALUES ('crm', 'x') ON CONFLICT (source) DO UPDATE SET last_synced_at = 'evil' RETURNING *");
        Add("returning-insert-select", HostileOutcome.NotReadOnly, "INSERT OR REPLACE INTO mirror_resources SELECT * FROM mirror_resources RETURNING name");

        // Plain DML and DDL.
        Add("delete", HostileOutcome.NotReadOnly, "DELETE FROM mirror_events");
        Add("update", HostileOutcome.NotReadOnly, "UPDATE customers SET tier = 'free'");
        Add("drop-table", HostileOutcome.NotReadOnly, "DROP TABLE customers");
        Add("drop-table-if-exists", HostileOutcome.NotReadOnly, "DROP TABLE IF EXISTS mirror_events");
        Add("drop-index", HostileOutcome.NotReadOnly, "DROP INDEX mirror_events_delta_id");
        Add("alter-rename", HostileOutcome.NotReadOnly, "ALTER TABLE customers RENAME TO clients");
        Add("alter-add-column", HostileOutcome.NotReadOnly, "ALTER TABLE customers ADD COLUMN evil TEXT");
        Add("alter-drop-column", HostileOutcome.NotReadOnly, "ALTER TABLE customers DROP COLUMN name");
        Add("create-table", HostileOutcome.NotReadOnly, "CREATE TABLE evil (x)");
        Add("create-temp-table", HostileOutcome.NotReadOnly, "CREATE TEMP TABLE evil (x)");
        Add("create-temp-table-as", HostileOutcome.NotReadOnly, "CREATE TEMP TABLE evil AS SELECT * FROM customers");
        Add("create-view", HostileOutcome.NotReadOnly, "CREATE VIEW evil AS SELECT * FROM customers");
        Add("create-temp-view", HostileOutcome.NotReadOnly, "CREATE TEMP VIEW evil AS SELECT 1");
        Add("create-temp-trigger", HostileOutcome.NotReadOnly, "CREATE TEMP TRIGGER evil AFTER INSERT ON mirror_events BEGIN DELETE FROM mirror_records; END");
        Add("create-index", HostileOutcome.NotReadOnly, "CREATE INDEX evil ON mirror_events (op)");
        Add("create-virtual-table", HostileOutcome.NotReadOnly, "CREATE VIRTUAL TABLE temp.evil USING fts5 (x)");
        Add("reindex", HostileOutcome.NotReadOnly, "REINDEX");
        Add("reindex-table", HostileOutcome.NotReadOnly, "REINDEX mirror_events");
        Add("analyze", HostileOutcome.NotReadOnly, "ANALYZE");
        Add("analyze-table", HostileOutcome.NotReadOnly, "ANALYZE mirror_events");

        // Pragmas. Only schema-reading pragmas are allowed; every other one is refused, including those that merely
        // read a setting (journal_mode, user_version, query_only): the allow-list does not tell reads from writes by
        // the argument, and an agent needs none of them. integrity_check and quick_check are refused too: they read
        // every page of the file, an unbounded scan that is no use to an agent.
        Add("pragma-journal-mode-set", HostileOutcome.NotReadOnly, "PRAGMA journal_mode = DELETE");
        Add("pragma-journal-mode-read", HostileOutcome.NotReadOnly, "PRAGMA journal_mode");
        Add("pragma-user-version-set", HostileOutcome.NotReadOnly, "PRAGMA user_version = 42");
        Add("pragma-schema-version-set", HostileOutcome.NotReadOnly, "PRAGMA schema_version = 1");
        Add("pragma-writable-schema", HostileOutcome.NotReadOnly, "PRAGMA writable_schema = ON");
        Add("pragma-query-only-off", HostileOutcome.NotReadOnly, "PRAGMA query_only = 0");
        Add("pragma-main-query-only-false", HostileOutcome.NotReadOnly, "PRAGMA main.query_only = false");
        Add("pragma-trusted-schema", HostileOutcome.NotReadOnly, "PRAGMA trusted_schema = ON");
        Add("pragma-foreign-keys", HostileOutcome.NotReadOnly, "PRAGMA foreign_keys = ON");
        Add("pragma-recursive-triggers", HostileOutcome.NotReadOnly, "PRAGMA recursive_triggers = ON");
        Add("pragma-temp-store-directory", HostileOutcome.NotReadOnly, "PRAGMA temp_store_directory = '{dir}'");
        Add("pragma-temp-store-file", HostileOutcome.NotReadOnly, "PRAGMA temp_store = FILE");
        Add("pragma-mmap-size", HostileOutcome.NotReadOnly, "PRAGMA mmap_size = 268435456");
        Add("pragma-cache-size", HostileOutcome.NotReadOnly, "PRAGMA cache_size = -1000000");
        Add("pragma-locking-mode", HostileOutcome.NotReadOnly, "PRAGMA locking_mode = EXCLUSIVE");
        Add("pragma-wal-checkpoint", HostileOutcome.NotReadOnly, "PRAGMA wal_checkpoint(TRUNCATE)");
        Add("pragma-incremental-vacuum", HostileOutcome.NotReadOnly, "PRAGMA incremental_vacuum(10)");
        Add("pragma-optimize", HostileOutcome.NotReadOnly, "PRAGMA optimize");
        Add("pragma-integrity-check", HostileOutcome.NotReadOnly, "PRAGMA integrity_check");
        Add("pragma-quick-check", HostileOutcome.NotReadOnly, "PRAGMA quick_check");
        Add("pragma-hard-heap-limit", HostileOutcome.NotReadOnly, "PRAGMA hard_heap_limit = 1000000");
        Add("pragma-soft-heap-limit", HostileOutcome.NotReadOnly, "PRAGMA soft_heap_limit = 1");
        Add("pragma-threads", HostileOutcome.NotReadOnly, "PRAGMA threads = 8");
        Add("pragma-fn-journal-mode", HostileOutcome.NotReadOnly, "SELECT * FROM pragma_journal_mode");
        Add("pragma-fn-user-version", HostileOutcome.NotReadOnly, "SELECT * FROM pragma_user_version");
        Add("pragma-fn-integrity-check", HostileOutcome.NotReadOnly, "SELECT * FROM pragma_integrity_check");
        Add("pragma-fn-hard-heap-limit", HostileOutcome.NotReadOnly, "SELECT * FROM pragma_hard_heap_limit");
        Add("pragma-fn-hard-heap-limit-set", HostileOutcome.Invalid, "SELECT * FROM pragma_hard_heap_limit(1000000)");
        Add("pragma-fn-soft-heap-limit-set", HostileOutcome.Invalid, "SELECT * FROM pragma_soft_heap_limit(1)");
        Add("pragma-fn-module-list", HostileOutcome.NotReadOnly, "SELECT name FROM pragma_module_list");

        // ATTACH and DETACH (the authorizer refuses them; SQLITE_LIMIT_ATTACHED is 0 besides).
        Add("attach-memory", HostileOutcome.NotReadOnly, "ATTACH ':memory:' AS m");
        Add("attach-file", HostileOutcome.NotReadOnly, "ATTACH DATABASE '{dir}/{token}-attach.db' AS evil");
        Add("attach-relative-uri", HostileOutcome.NotReadOnly, "ATTACH 'file:{token}-uri.db?mode=rwc' AS evil");
        Add("detach-main", HostileOutcome.NotReadOnly, "DETACH DATABASE main");
        Add("detach-temp", HostileOutcome.NotReadOnly, "DETACH temp");

        // VACUUM, and VACUUM INTO, which writes a file even on a read-only connection.
        Add("vacuum", HostileOutcome.NotReadOnly, "VACUUM");
        // VACUUM temp passes both the authorizer (VACUUM has no authorizer action) and sqlite3_stmt_readonly, because
        // SQLite compiles it to an empty program: it does nothing, which the fingerprint and file checks confirm.
        Add("vacuum-temp", HostileOutcome.NoOp, "VACUUM temp");
        Add("vacuum-into-file", HostileOutcome.NotReadOnly, "VACUUM INTO '{dir}/{token}-copy.db'");
        Add("vacuum-into-relative", HostileOutcome.NotReadOnly, "VACUUM INTO '{token}-copy.db'");
        Add("vacuum-main-into-uri", HostileOutcome.NotReadOnly, "VACUUM main INTO 'file:{token}-uri-copy.db'");

        // Extensions and functions that reach outside the database (readfile, writefile and edit exist only in the
        // sqlite3 shell, so SQLite does not know them here; the rest are refused by the authorizer's allow-list).
        Add("load-extension", HostileOutcome.NotReadOnly, "SELECT load_extension('{dir}/{token}.so')");
        Add("load-extension-entry", HostileOutcome.NotReadOnly, "SELECT load_extension('libc.so.6', 'system')");
        Add("readfile", HostileOutcome.Invalid, "SELECT readfile('/etc/passwd')");
        Add("writefile", HostileOutcome.Invalid, "SELECT writefile('{dir}/{token}.txt', 'x')");
        Add("edit", HostileOutcome.Invalid, "SELECT edit('x', 'vi')");
        Add("fts3-tokenizer-read", HostileOutcome.NotReadOnly, "SELECT fts3_tokenizer('simple')");
        Add("fts3-tokenizer-pointer", HostileOutcome.NotReadOnly, "SELECT fts3_tokenizer('evil', x'4141414141414141')");
        Add("rtreecheck", HostileOutcome.NotReadOnly, "SELECT rtreecheck('customers')");
        Add("compileoption-used", HostileOutcome.NotReadOnly, "SELECT sqlite_compileoption_used('ENABLE_FTS5')");
        Add("changes", HostileOutcome.NotReadOnly, "SELECT changes(), total_changes(), last_insert_rowid()");
        Add("dbpage", HostileOutcome.Invalid, "SELECT * FROM sqlite_dbpage");

        // Transactions and savepoints (BEGIN IMMEDIATE would hold the write lock and stall every sync).
        Add("begin", HostileOutcome.NotReadOnly, "BEGIN");
        Add("begin-immediate", HostileOutcome.NotReadOnly, "BEGIN IMMEDIATE");
        Add("begin-exclusive", HostileOutcome.NotReadOnly, "BEGIN EXCLUSIVE TRANSACTION");
        Add("commit", HostileOutcome.NotReadOnly, "COMMIT");
        Add("end", HostileOutcome.NotReadOnly, "END");
        Add("rollback", HostileOutcome.NotReadOnly, "ROLLBACK");
        Add("savepoint", HostileOutcome.NotReadOnly, "SAVEPOINT evil");
        Add("release", HostileOutcome.NotReadOnly, "RELEASE evil");
        Add("rollback-to", HostileOutcome.NotReadOnly, "ROLLBACK TO evil");

        // Multi-statement tricks: the runner prepares one statement and refuses any real statement in the tail.
        Add("multi-plain", HostileOutcome.NotReadOnly, "SELECT 1; DELETE FROM customers");
        Add("multi-semicolon-in-string", HostileOutcome.NotReadOnly, "SELECT ';'; DELETE FROM customers");
        Add("multi-semicolon-in-block-comment", HostileOutcome.NotReadOnly, "SELECT 1 /* ; */; DELETE FROM customers");
        Add("multi-dashes-in-string", HostileOutcome.NotReadOnly, "SELECT '--'; DELETE FROM customers");
        Add("multi-after-line-comment", HostileOutcome.NotReadOnly, "SELECT 1 -- a comment ;\n; DELETE FROM customers");
        Add("multi-semicolon-in-quoted-name", HostileOutcome.NotReadOnly, "SELECT \"a;b\" FROM (SELECT 1 AS \"a;b\"); DROP TABLE invoices");
        Add("multi-semicolon-in-brackets", HostileOutcome.NotReadOnly, "SELECT 1 AS [;]; DELETE FROM customers");
        Add("multi-semicolon-in-backticks", HostileOutcome.NotReadOnly, "SELECT 1 AS `;`; DELETE FROM customers");
        Add("multi-between-comments", HostileOutcome.NotReadOnly, "/* leading */ SELECT 1;/* between */DELETE FROM mirror_events");
        Add("multi-many-semicolons", HostileOutcome.NotReadOnly, "SELECT 1;;;; PRAGMA user_version = 5");
        Add("multi-crlf-tab", HostileOutcome.NotReadOnly, "SELECT 1;\r\n\tDELETE FROM customers");
        Add("multi-attach", HostileOutcome.NotReadOnly, "SELECT 1; ATTACH ':memory:' AS m");
        Add("multi-vacuum-into", HostileOutcome.NotReadOnly, "SELECT 1; VACUUM INTO '{dir}/{token}-tail.db'");
        Add("multi-select-select", HostileOutcome.NotReadOnly, "SELECT 1; SELECT 2");
        Add("multi-tail-invalid", HostileOutcome.NotReadOnly, "SELECT 1; this is not sql");
        Add("nul-before-delete", HostileOutcome.BadArgument, "SELECT 1\0; DELETE FROM customers");
        Add("nul-only-tail", HostileOutcome.BadArgument, "SELECT 1 \0");
        Add("nul-leading", HostileOutcome.BadArgument, "\0DELETE FROM customers");
        Add("fullwidth-semicolon", HostileOutcome.Invalid, "SELECT 1\uFF1B DELETE FROM customers");
        Add("comment-then-statement-no-separator", HostileOutcome.Invalid, "SELECT 1 -- ;\nDELETE FROM customers");

        // EXPLAIN of a write. EXPLAIN would not run the statement, but the authorizer still sees the write while
        // SQLite prepares it and refuses it; that is the behaviour we keep (an agent has no use for the bytecode of a
        // write, and refusing it keeps the rule simple: nothing that names a write passes).
        Add("explain-delete", HostileOutcome.NotReadOnly, "EXPLAIN DELETE FROM customers");
        Add("explain-query-plan-drop", HostileOutcome.NotReadOnly, "EXPLAIN QUERY PLAN DROP TABLE customers");
        Add("explain-attach", HostileOutcome.NotReadOnly, "EXPLAIN ATTACH ':memory:' AS m");
        Add("explain-pragma-set", HostileOutcome.NotReadOnly, "EXPLAIN PRAGMA user_version = 1");
        Add("explain-vacuum-into", HostileOutcome.NotReadOnly, "EXPLAIN VACUUM INTO '{dir}/{token}-explain.db'");

        // Recursive CTE bombs.
        Add("cte-infinite-count", HostileOutcome.TimedOut, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c");
        Add("cte-infinite-max", HostileOutcome.TimedOut, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c");
        Add("cte-infinite-rows", HostileOutcome.Truncated, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c");
        Add("cte-infinite-sorted", HostileOutcome.Stopped, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c ORDER BY x DESC");
        Add("cte-exponential", HostileOutcome.TimedOut, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x FROM c UNION ALL SELECT x FROM c) SELECT count(*) FROM c");
        Add("cte-union-distinct", HostileOutcome.Stopped, "WITH RECURSIVE c(x) AS (SELECT 1 UNION SELECT x + 1 FROM c) SELECT count(*) FROM c");
        Add("cte-group-concat", HostileOutcome.Stopped, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT length(group_concat(x)) FROM c");
        Add("cte-json-group-array", HostileOutcome.Stopped, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT length(json_group_array(x)) FROM c");
        Add("cte-doubling", HostileOutcome.Invalid, "WITH RECURSIVE c(s) AS (SELECT 'x' UNION ALL SELECT s || s FROM c) SELECT length(s) FROM c");
        Add("cte-doubling-concat", HostileOutcome.Invalid, "WITH RECURSIVE c(s) AS (SELECT 'x' UNION ALL SELECT s || s FROM c) SELECT length(group_concat(s)) FROM c");

        // Memory bombs: SQLITE_LIMIT_LENGTH caps every value; the byte cap cuts results; the deadline stops growth.
        Add("randomblob-1e9", HostileOutcome.Invalid, "SELECT randomblob(1000000000)");
        Add("zeroblob-2e9", HostileOutcome.Invalid, "SELECT zeroblob(2000000000)");
        Add("zeroblob-length", HostileOutcome.Invalid, "SELECT length(zeroblob(2000000000))");
        Add("printf-width", HostileOutcome.Invalid, "SELECT printf('%.*c', 2000000000, 'x')");
        Add("format-padding", HostileOutcome.Invalid, "SELECT format('%2000000000d', 1)");
        Add("replace-hex-zeroblob", HostileOutcome.Invalid, "SELECT replace(hex(zeroblob(500000000)), '0', 'xx')");
        Add("replace-growth", HostileOutcome.Invalid, "SELECT length(replace(hex(zeroblob(4000000)), '0', 'xyz'))");
        Add("big-values-many-rows", HostileOutcome.Truncated, "SELECT printf('%.*c', 4000000, 'x') FROM mirror_events");
        Add("big-blobs-many-rows", HostileOutcome.Truncated, "SELECT zeroblob(4000000) FROM mirror_events");
        Add("cartesian-3-rows", HostileOutcome.Truncated, "SELECT a.payload, b.payload, c.payload FROM mirror_events a, mirror_events b, mirror_events c");
        Add("cartesian-3-sorted", HostileOutcome.Stopped, "SELECT a.seq, b.seq, c.seq FROM mirror_events a, mirror_events b, mirror_events c ORDER BY random()");
        Add("cartesian-4-count", HostileOutcome.TimedOut, "SELECT count(*) FROM mirror_events a, mirror_events b, mirror_events c, mirror_events d");
        Add("sorter-growth", HostileOutcome.Stopped, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, zeroblob(100000) FROM c ORDER BY random()");
        Add("sorter-big-records", HostileOutcome.Stopped, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, zeroblob(8000000) FROM c ORDER BY random()");
        Add("group-by-growth", HostileOutcome.Stopped, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, max(randomblob(1000)) FROM c GROUP BY x");
        Add("distinct-growth", HostileOutcome.Stopped, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(DISTINCT x || zeroblob(1000)) FROM c");
        Add("json-deep-nesting", HostileOutcome.Invalid, "SELECT json(printf('%.*c', 100000, '['))");

        // Straight-line memory bombs: one row of many large values is built between two progress checks, so each query
        // gets a value cap of half the memory budget divided by the values its program can hold at once.
        Add("many-large-columns", HostileOutcome.Invalid, "SELECT " + Numbered("hex(zeroblob(4000000 + {0}))", 150));
        Add("many-columns-under-the-cap", HostileOutcome.Truncated, "SELECT " + Numbered("hex(zeroblob(110000 + {0}))", 150));
        Add("large-in-list", HostileOutcome.Invalid, "SELECT 1 WHERE 5 IN (" + Numbered("hex(zeroblob(4000000 + {0}))", 99) + ")");
        Add("function-of-large-arguments", HostileOutcome.Invalid, "SELECT length(max(" + Numbered("hex(zeroblob(4000000 + {0}))", 99) + "))");
        Add("concat-of-one-large-value", HostileOutcome.Invalid, "WITH t AS (SELECT zeroblob(8000000) AS z) SELECT length(concat(" + string.Join(", ", Enumerable.Repeat("z", 99)) + ")) FROM t");
        Add("json-array-of-large-values", HostileOutcome.Invalid, "SELECT length(json_array(" + Numbered("hex(zeroblob(4000000 + {0}))", 99) + "))");

        // Functions whose cost is the product of their arguments' lengths, in one call SQLite cannot interrupt: the
        // query connection's own instr, replace and two-argument trims refuse that much work, unhex(X, Y) and
        // json_patch are not available, and LIKE patterns are capped at 100 bytes.
        Add("instr-quadratic", HostileOutcome.Invalid, "SELECT instr(printf('%.*c', 2000000, 'a'), printf('%.*c', 1000000, 'a') || 'b')");
        Add("replace-quadratic", HostileOutcome.Invalid, "SELECT length(replace(printf('%.*c', 2000000, 'a'), printf('%.*c', 1000000, 'a') || 'b', ''))");
        Add("trim-quadratic", HostileOutcome.Invalid, ManyCharacters("trim"));
        Add("ltrim-quadratic", HostileOutcome.Invalid, ManyCharacters("ltrim"));
        Add("rtrim-quadratic", HostileOutcome.Invalid, ManyCharacters("rtrim"));
        Add("unhex-quadratic", HostileOutcome.Invalid, "SELECT length(unhex(printf('%.*c', 100000, 'x'), printf('%.*c', 100000, 'y') || 'x'))");
        Add("json-patch", HostileOutcome.NotReadOnly, "SELECT json_patch('{\"a\":1}', '{\"b\":2}')");
        Add("like-long-pattern-on-big-value", HostileOutcome.Invalid, "SELECT printf('%.*c', 8000000, 'a') LIKE '%' || printf('%.*c', 990, 'a') || 'b'");

        // Deep nesting and oversized SQL (SQLITE_LIMIT_EXPR_DEPTH, _COMPOUND_SELECT, _SQL_LENGTH).
        Add("nested-parentheses-5000", HostileOutcome.Invalid, "SELECT " + new string('(', 5000) + "1" + new string(')', 5000));
        Add("nested-plus-5000", HostileOutcome.Invalid, "SELECT 1" + Repeat("+1", 5000));
        Add("nested-subqueries-300", HostileOutcome.Invalid, Repeat("SELECT (", 300) + "SELECT 1" + new string(')', 300));
        Add("nested-function-calls-5000", HostileOutcome.Invalid, "SELECT " + Repeat("abs(", 5000) + "1" + new string(')', 5000));
        Add("union-all-200", HostileOutcome.Invalid, string.Join(" UNION ALL ", Enumerable.Repeat("SELECT 1", 200)));
        Add("sql-200k", HostileOutcome.Invalid, "SELECT '" + new string('x', 200_000) + "'");

        // Huge LIKE and GLOB patterns (SQLITE_LIMIT_LIKE_PATTERN_LENGTH).
        Add("like-literal-pattern", HostileOutcome.Invalid, "SELECT count(*) FROM customers WHERE name LIKE '" + Repeat("%a", 2000) + "'");
        Add("like-computed-pattern", HostileOutcome.Invalid, "SELECT 'a' LIKE printf('%.*c', 100000, '%')");
        Add("glob-computed-pattern", HostileOutcome.Invalid, "SELECT 'a' GLOB printf('%.*c', 100000, '*')");
        Add("like-escape-pattern", HostileOutcome.Invalid, "SELECT 'a' LIKE printf('%.*c', 50000, '!') ESCAPE '!'");

        // Parameters (SQLITE_LIMIT_VARIABLE_NUMBER; positional parameters are refused).
        Add("too-many-parameters", HostileOutcome.Invalid, "SELECT " + string.Join(", ", Enumerable.Range(1, 600).Select(i => "@p" + i.ToString(CultureInfo.InvariantCulture))));
        Add("parameter-number-too-high", HostileOutcome.Invalid, "SELECT ?40000");
        Add("positional-parameter", HostileOutcome.Invalid, "SELECT ?");

        // Full-text search: the index table customers_fts is readable with MATCH, bm25, snippet and highlight, under
        // every bound; its shadow tables, other FTS5 machinery and writes to it are not.
        Add("fts-match-malformed", HostileOutcome.Invalid, "SELECT * FROM customers_fts WHERE customers_fts MATCH 'name AND ('");
        Add("fts-match-unknown-column", HostileOutcome.Invalid, "SELECT * FROM customers_fts WHERE customers_fts MATCH 'nosuch: x'");
        Add("fts-match-deep-parentheses", HostileOutcome.Invalid, "SELECT * FROM customers_fts WHERE customers_fts MATCH '" + Repeat("(", 5000) + "customer" + new string(')', 5000) + "'");
        Add("fts-match-deep-not-chain", HostileOutcome.Invalid, "SELECT * FROM customers_fts WHERE customers_fts MATCH 'customer" + Repeat(" NOT x", 400) + "'");
        Add("fts-match-computed-200k-term-or", HostileOutcome.Stopped, "SELECT count(*) FROM customers_fts WHERE customers_fts MATCH (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT group_concat('w' || x, ' OR ') FROM c)");
        Add("fts-match-computed-200k-prefix-or", HostileOutcome.Stopped, "SELECT count(*) FROM customers_fts WHERE customers_fts MATCH (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT group_concat('c*', ' OR ') FROM c)");
        Add("fts-match-computed-200k-token-phrase", HostileOutcome.Stopped, "SELECT count(*) FROM customers_fts WHERE customers_fts MATCH (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT '\"' || group_concat('customer', ' ') || '\"' FROM c)");
        Add("fts-snippet-megabyte-markers", HostileOutcome.Truncated, "SELECT snippet(customers_fts, -1, printf('%.*c', 1000000, '['), ']', '...', 64) AS s FROM customers_fts WHERE customers_fts MATCH 'customer'");
        Add("fts-shadow-data", HostileOutcome.NotReadOnly, "SELECT * FROM customers_fts_data");
        Add("fts-shadow-idx", HostileOutcome.NotReadOnly, "SELECT * FROM customers_fts_idx");
        Add("fts-shadow-docsize-joined", HostileOutcome.NotReadOnly, "SELECT * FROM customers_fts f JOIN customers_fts_docsize d ON d.id = f.rowid WHERE customers_fts MATCH 'customer'");
        Add("fts-vocab", HostileOutcome.NotReadOnly, "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, 'customers_fts', 'row')");
        Add("fts-create-virtual-table", HostileOutcome.NotReadOnly, "CREATE VIRTUAL TABLE temp.x USING fts5(a)");
        Add("fts-rebuild-command", HostileOutcome.NotReadOnly, "INSERT INTO customers_fts (customers_fts) VALUES ('rebuild')");
        Add("fts-delete-all-command", HostileOutcome.NotReadOnly, "INSERT INTO customers_fts (customers_fts) VALUES ('delete-all')");
        Add("fts-cte-delete", HostileOutcome.NotReadOnly, "WITH x AS (SELECT 1) DELETE FROM customers_fts");
        Add("fts-api-function", HostileOutcome.NotReadOnly, "SELECT fts5(NULL)");
        Add("fts-data-version-pragma", HostileOutcome.NotReadOnly, "PRAGMA data_version");
        return data;
    }

    /// <summary>
    /// A trim whose character set holds 100,000 distinct four-byte characters, and whose input repeats the last of them:
    /// SQLite's trim compares every character of the set at every position, 10^10 comparisons in one call.
    /// </summary>
    public static string ManyCharacters(string trim) =>
        "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 99999) " +
        $"SELECT length({trim}(replace(printf('%.*c', 100000, 'z'), 'z', char(165535)), (SELECT group_concat(char(65536 + x), '') FROM c)))";

    /// <summary>Joins <paramref name="count"/> copies of <paramref name="format"/>, each with its index as {0}, with commas.</summary>
    public static string Numbered(string format, int count) =>
        string.Join(", ", Enumerable.Range(0, count).Select(i => string.Format(CultureInfo.InvariantCulture, format, i)));

    /// <summary>Concatenates <paramref name="count"/> copies of <paramref name="text"/>.</summary>
    public static string Repeat(string text, int count) => string.Concat(Enumerable.Repeat(text, count));
}
