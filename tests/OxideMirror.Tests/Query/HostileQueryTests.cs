using System.Globalization;

namespace OxideMirror.Tests.Query;

/// <summary>
/// The hostile query corpus (docs/design.md, guarantees 3 and 4): every query an agent could send to change the mirror, reach
/// outside it, or exhaust the process is refused or stopped, leaves the database byte-for-byte as it was, and creates
/// no file. All cases share one populated file store, so a case that slipped through would also show in later ones.
/// </summary>
[Collection(MemoryHeavyQueries.Name)]
public sealed class HostileQueryTests(HostileStoreFixture fixture) : IClassFixture<HostileStoreFixture>
{
    /// <summary>What the query path must do with a hostile query.</summary>
    public enum Outcome
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
    /// The time limit for a query the guards must refuse, one no refusal needs: the quadratic trims build their
    /// 100,000-character set before the guarded trim refuses the call, which on a loaded machine can take longer than the
    /// fixture's 300 ms. Cases expected to time out keep the fixture's limit.
    /// </summary>
    private static readonly QueryOptions Refusing = new() { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>
    /// A moment after the fixture's sync, the same for every case so that they share one cached snapshot, with the
    /// refusals' time limit.
    /// </summary>
    private static readonly QueryOptions AsOf = new() { AsOf = DateTimeOffset.UtcNow.AddYears(1), Timeout = TimeSpan.FromSeconds(20) };

    public static TheoryData<string, Outcome, string> Hostile()
    {
        var data = new TheoryData<string, Outcome, string>();
        void Add(string name, Outcome outcome, string sql) => data.Add(name, outcome, sql);

        // Writes hidden in CTEs.
        Add("cte-delete", Outcome.NotReadOnly, "WITH x AS (SELECT 1) DELETE FROM customers");
        Add("cte-update", Outcome.NotReadOnly, "WITH x AS (SELECT 1) UPDATE customers SET name = 'pwned'");
        Add("cte-insert", Outcome.NotReadOnly, "WITH x AS (SELECT 1) INSERT INTO mirror_sources (source, last_synced_at) VALUES ('evil', 'now')");
        Add("cte-replace", Outcome.NotReadOnly, "WITH x AS (SELECT 1) REPLACE INTO mirror_cursors (source, resource, cursor, updated_at) VALUES ('crm', '*', 'x', 'y')");
        Add("cte-recursive-delete", Outcome.NotReadOnly, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) DELETE FROM mirror_events WHERE seq IN (SELECT n FROM r)");
        Add("cte-materialized-delete", Outcome.NotReadOnly, "WITH x AS MATERIALIZED (SELECT record_id FROM customers) DELETE FROM invoices WHERE customer_id IN (SELECT record_id FROM x)");

        // RETURNING makes a write look like a query.
        Add("returning-delete", Outcome.NotReadOnly, "DELETE FROM customers RETURNING *");
        Add("returning-update", Outcome.NotReadOnly, "UPDATE mirror_records SET payload = NULL RETURNING record_id");
        Add("returning-insert", Outcome.NotReadOnly, "INSERT INTO mirror_sources VALUES ('evil', 'now') RETURNING *");
        Add("returning-upsert", Outcome.NotReadOnly, "INSERT INTO mirror_sources VALUES ('crm', 'x') ON CONFLICT (source) DO UPDATE SET last_synced_at = 'evil' RETURNING *");
        Add("returning-insert-select", Outcome.NotReadOnly, "INSERT OR REPLACE INTO mirror_resources SELECT * FROM mirror_resources RETURNING name");

        // Plain DML and DDL.
        Add("delete", Outcome.NotReadOnly, "DELETE FROM mirror_events");
        Add("update", Outcome.NotReadOnly, "UPDATE customers SET tier = 'free'");
        Add("drop-table", Outcome.NotReadOnly, "DROP TABLE customers");
        Add("drop-table-if-exists", Outcome.NotReadOnly, "DROP TABLE IF EXISTS mirror_events");
        Add("drop-index", Outcome.NotReadOnly, "DROP INDEX mirror_events_delta_id");
        Add("alter-rename", Outcome.NotReadOnly, "ALTER TABLE customers RENAME TO clients");
        Add("alter-add-column", Outcome.NotReadOnly, "ALTER TABLE customers ADD COLUMN evil TEXT");
        Add("alter-drop-column", Outcome.NotReadOnly, "ALTER TABLE customers DROP COLUMN name");
        Add("create-table", Outcome.NotReadOnly, "CREATE TABLE evil (x)");
        Add("create-temp-table", Outcome.NotReadOnly, "CREATE TEMP TABLE evil (x)");
        Add("create-temp-table-as", Outcome.NotReadOnly, "CREATE TEMP TABLE evil AS SELECT * FROM customers");
        Add("create-view", Outcome.NotReadOnly, "CREATE VIEW evil AS SELECT * FROM customers");
        Add("create-temp-view", Outcome.NotReadOnly, "CREATE TEMP VIEW evil AS SELECT 1");
        Add("create-temp-trigger", Outcome.NotReadOnly, "CREATE TEMP TRIGGER evil AFTER INSERT ON mirror_events BEGIN DELETE FROM mirror_records; END");
        Add("create-index", Outcome.NotReadOnly, "CREATE INDEX evil ON mirror_events (op)");
        Add("create-virtual-table", Outcome.NotReadOnly, "CREATE VIRTUAL TABLE temp.evil USING fts5 (x)");
        Add("reindex", Outcome.NotReadOnly, "REINDEX");
        Add("reindex-table", Outcome.NotReadOnly, "REINDEX mirror_events");
        Add("analyze", Outcome.NotReadOnly, "ANALYZE");
        Add("analyze-table", Outcome.NotReadOnly, "ANALYZE mirror_events");

        // Pragmas. Only schema-reading pragmas are allowed; every other one is refused, including those that merely
        // read a setting (journal_mode, user_version, query_only): the allow-list does not tell reads from writes by
        // the argument, and an agent needs none of them. integrity_check and quick_check are refused too: they read
        // every page of the file, an unbounded scan that is no use to an agent.
        Add("pragma-journal-mode-set", Outcome.NotReadOnly, "PRAGMA journal_mode = DELETE");
        Add("pragma-journal-mode-read", Outcome.NotReadOnly, "PRAGMA journal_mode");
        Add("pragma-user-version-set", Outcome.NotReadOnly, "PRAGMA user_version = 42");
        Add("pragma-schema-version-set", Outcome.NotReadOnly, "PRAGMA schema_version = 1");
        Add("pragma-writable-schema", Outcome.NotReadOnly, "PRAGMA writable_schema = ON");
        Add("pragma-query-only-off", Outcome.NotReadOnly, "PRAGMA query_only = 0");
        Add("pragma-main-query-only-false", Outcome.NotReadOnly, "PRAGMA main.query_only = false");
        Add("pragma-trusted-schema", Outcome.NotReadOnly, "PRAGMA trusted_schema = ON");
        Add("pragma-foreign-keys", Outcome.NotReadOnly, "PRAGMA foreign_keys = ON");
        Add("pragma-recursive-triggers", Outcome.NotReadOnly, "PRAGMA recursive_triggers = ON");
        Add("pragma-temp-store-directory", Outcome.NotReadOnly, "PRAGMA temp_store_directory = '{dir}'");
        Add("pragma-temp-store-file", Outcome.NotReadOnly, "PRAGMA temp_store = FILE");
        Add("pragma-mmap-size", Outcome.NotReadOnly, "PRAGMA mmap_size = 268435456");
        Add("pragma-cache-size", Outcome.NotReadOnly, "PRAGMA cache_size = -1000000");
        Add("pragma-locking-mode", Outcome.NotReadOnly, "PRAGMA locking_mode = EXCLUSIVE");
        Add("pragma-wal-checkpoint", Outcome.NotReadOnly, "PRAGMA wal_checkpoint(TRUNCATE)");
        Add("pragma-incremental-vacuum", Outcome.NotReadOnly, "PRAGMA incremental_vacuum(10)");
        Add("pragma-optimize", Outcome.NotReadOnly, "PRAGMA optimize");
        Add("pragma-integrity-check", Outcome.NotReadOnly, "PRAGMA integrity_check");
        Add("pragma-quick-check", Outcome.NotReadOnly, "PRAGMA quick_check");
        Add("pragma-hard-heap-limit", Outcome.NotReadOnly, "PRAGMA hard_heap_limit = 1000000");
        Add("pragma-soft-heap-limit", Outcome.NotReadOnly, "PRAGMA soft_heap_limit = 1");
        Add("pragma-threads", Outcome.NotReadOnly, "PRAGMA threads = 8");
        Add("pragma-fn-journal-mode", Outcome.NotReadOnly, "SELECT * FROM pragma_journal_mode");
        Add("pragma-fn-user-version", Outcome.NotReadOnly, "SELECT * FROM pragma_user_version");
        Add("pragma-fn-integrity-check", Outcome.NotReadOnly, "SELECT * FROM pragma_integrity_check");
        Add("pragma-fn-hard-heap-limit", Outcome.NotReadOnly, "SELECT * FROM pragma_hard_heap_limit");
        Add("pragma-fn-hard-heap-limit-set", Outcome.Invalid, "SELECT * FROM pragma_hard_heap_limit(1000000)");
        Add("pragma-fn-soft-heap-limit-set", Outcome.Invalid, "SELECT * FROM pragma_soft_heap_limit(1)");
        Add("pragma-fn-module-list", Outcome.NotReadOnly, "SELECT name FROM pragma_module_list");

        // ATTACH and DETACH (the authorizer refuses them; SQLITE_LIMIT_ATTACHED is 0 besides).
        Add("attach-memory", Outcome.NotReadOnly, "ATTACH ':memory:' AS m");
        Add("attach-file", Outcome.NotReadOnly, "ATTACH DATABASE '{dir}/{token}-attach.db' AS evil");
        Add("attach-relative-uri", Outcome.NotReadOnly, "ATTACH 'file:{token}-uri.db?mode=rwc' AS evil");
        Add("detach-main", Outcome.NotReadOnly, "DETACH DATABASE main");
        Add("detach-temp", Outcome.NotReadOnly, "DETACH temp");

        // VACUUM, and VACUUM INTO, which writes a file even on a read-only connection.
        Add("vacuum", Outcome.NotReadOnly, "VACUUM");
        // VACUUM temp passes both the authorizer (VACUUM has no authorizer action) and sqlite3_stmt_readonly, because
        // SQLite compiles it to an empty program: it does nothing, which the fingerprint and file checks confirm.
        Add("vacuum-temp", Outcome.NoOp, "VACUUM temp");
        Add("vacuum-into-file", Outcome.NotReadOnly, "VACUUM INTO '{dir}/{token}-copy.db'");
        Add("vacuum-into-relative", Outcome.NotReadOnly, "VACUUM INTO '{token}-copy.db'");
        Add("vacuum-main-into-uri", Outcome.NotReadOnly, "VACUUM main INTO 'file:{token}-uri-copy.db'");

        // Extensions and functions that reach outside the database (readfile, writefile and edit exist only in the
        // sqlite3 shell, so SQLite does not know them here; the rest are refused by the authorizer's allow-list).
        Add("load-extension", Outcome.NotReadOnly, "SELECT load_extension('{dir}/{token}.so')");
        Add("load-extension-entry", Outcome.NotReadOnly, "SELECT load_extension('libc.so.6', 'system')");
        Add("readfile", Outcome.Invalid, "SELECT readfile('/etc/passwd')");
        Add("writefile", Outcome.Invalid, "SELECT writefile('{dir}/{token}.txt', 'x')");
        Add("edit", Outcome.Invalid, "SELECT edit('x', 'vi')");
        Add("fts3-tokenizer-read", Outcome.NotReadOnly, "SELECT fts3_tokenizer('simple')");
        Add("fts3-tokenizer-pointer", Outcome.NotReadOnly, "SELECT fts3_tokenizer('evil', x'4141414141414141')");
        Add("rtreecheck", Outcome.NotReadOnly, "SELECT rtreecheck('customers')");
        Add("compileoption-used", Outcome.NotReadOnly, "SELECT sqlite_compileoption_used('ENABLE_FTS5')");
        Add("changes", Outcome.NotReadOnly, "SELECT changes(), total_changes(), last_insert_rowid()");
        Add("dbpage", Outcome.Invalid, "SELECT * FROM sqlite_dbpage");

        // Transactions and savepoints (BEGIN IMMEDIATE would hold the write lock and stall every sync).
        Add("begin", Outcome.NotReadOnly, "BEGIN");
        Add("begin-immediate", Outcome.NotReadOnly, "BEGIN IMMEDIATE");
        Add("begin-exclusive", Outcome.NotReadOnly, "BEGIN EXCLUSIVE TRANSACTION");
        Add("commit", Outcome.NotReadOnly, "COMMIT");
        Add("end", Outcome.NotReadOnly, "END");
        Add("rollback", Outcome.NotReadOnly, "ROLLBACK");
        Add("savepoint", Outcome.NotReadOnly, "SAVEPOINT evil");
        Add("release", Outcome.NotReadOnly, "RELEASE evil");
        Add("rollback-to", Outcome.NotReadOnly, "ROLLBACK TO evil");

        // Multi-statement tricks: the runner prepares one statement and refuses any real statement in the tail.
        Add("multi-plain", Outcome.NotReadOnly, "SELECT 1; DELETE FROM customers");
        Add("multi-semicolon-in-string", Outcome.NotReadOnly, "SELECT ';'; DELETE FROM customers");
        Add("multi-semicolon-in-block-comment", Outcome.NotReadOnly, "SELECT 1 /* ; */; DELETE FROM customers");
        Add("multi-dashes-in-string", Outcome.NotReadOnly, "SELECT '--'; DELETE FROM customers");
        Add("multi-after-line-comment", Outcome.NotReadOnly, "SELECT 1 -- a comment ;\n; DELETE FROM customers");
        Add("multi-semicolon-in-quoted-name", Outcome.NotReadOnly, "SELECT \"a;b\" FROM (SELECT 1 AS \"a;b\"); DROP TABLE invoices");
        Add("multi-semicolon-in-brackets", Outcome.NotReadOnly, "SELECT 1 AS [;]; DELETE FROM customers");
        Add("multi-semicolon-in-backticks", Outcome.NotReadOnly, "SELECT 1 AS `;`; DELETE FROM customers");
        Add("multi-between-comments", Outcome.NotReadOnly, "/* leading */ SELECT 1;/* between */DELETE FROM mirror_events");
        Add("multi-many-semicolons", Outcome.NotReadOnly, "SELECT 1;;;; PRAGMA user_version = 5");
        Add("multi-crlf-tab", Outcome.NotReadOnly, "SELECT 1;\r\n\tDELETE FROM customers");
        Add("multi-attach", Outcome.NotReadOnly, "SELECT 1; ATTACH ':memory:' AS m");
        Add("multi-vacuum-into", Outcome.NotReadOnly, "SELECT 1; VACUUM INTO '{dir}/{token}-tail.db'");
        Add("multi-select-select", Outcome.NotReadOnly, "SELECT 1; SELECT 2");
        Add("multi-tail-invalid", Outcome.NotReadOnly, "SELECT 1; this is not sql");
        Add("nul-before-delete", Outcome.BadArgument, "SELECT 1\0; DELETE FROM customers");
        Add("nul-only-tail", Outcome.BadArgument, "SELECT 1 \0");
        Add("nul-leading", Outcome.BadArgument, "\0DELETE FROM customers");
        Add("fullwidth-semicolon", Outcome.Invalid, "SELECT 1\uFF1B DELETE FROM customers");
        Add("comment-then-statement-no-separator", Outcome.Invalid, "SELECT 1 -- ;\nDELETE FROM customers");

        // EXPLAIN of a write. EXPLAIN would not run the statement, but the authorizer still sees the write while
        // SQLite prepares it and refuses it; that is the behaviour we keep (an agent has no use for the bytecode of a
        // write, and refusing it keeps the rule simple: nothing that names a write passes).
        Add("explain-delete", Outcome.NotReadOnly, "EXPLAIN DELETE FROM customers");
        Add("explain-query-plan-drop", Outcome.NotReadOnly, "EXPLAIN QUERY PLAN DROP TABLE customers");
        Add("explain-attach", Outcome.NotReadOnly, "EXPLAIN ATTACH ':memory:' AS m");
        Add("explain-pragma-set", Outcome.NotReadOnly, "EXPLAIN PRAGMA user_version = 1");
        Add("explain-vacuum-into", Outcome.NotReadOnly, "EXPLAIN VACUUM INTO '{dir}/{token}-explain.db'");

        // Recursive CTE bombs.
        Add("cte-infinite-count", Outcome.TimedOut, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c");
        Add("cte-infinite-max", Outcome.TimedOut, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c");
        Add("cte-infinite-rows", Outcome.Truncated, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c");
        Add("cte-infinite-sorted", Outcome.Stopped, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c ORDER BY x DESC");
        Add("cte-exponential", Outcome.TimedOut, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x FROM c UNION ALL SELECT x FROM c) SELECT count(*) FROM c");
        Add("cte-union-distinct", Outcome.Stopped, "WITH RECURSIVE c(x) AS (SELECT 1 UNION SELECT x + 1 FROM c) SELECT count(*) FROM c");
        Add("cte-group-concat", Outcome.Stopped, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT length(group_concat(x)) FROM c");
        Add("cte-json-group-array", Outcome.Stopped, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT length(json_group_array(x)) FROM c");
        Add("cte-doubling", Outcome.Invalid, "WITH RECURSIVE c(s) AS (SELECT 'x' UNION ALL SELECT s || s FROM c) SELECT length(s) FROM c");
        Add("cte-doubling-concat", Outcome.Invalid, "WITH RECURSIVE c(s) AS (SELECT 'x' UNION ALL SELECT s || s FROM c) SELECT length(group_concat(s)) FROM c");

        // Memory bombs: SQLITE_LIMIT_LENGTH caps every value; the byte cap cuts results; the deadline stops growth.
        Add("randomblob-1e9", Outcome.Invalid, "SELECT randomblob(1000000000)");
        Add("zeroblob-2e9", Outcome.Invalid, "SELECT zeroblob(2000000000)");
        Add("zeroblob-length", Outcome.Invalid, "SELECT length(zeroblob(2000000000))");
        Add("printf-width", Outcome.Invalid, "SELECT printf('%.*c', 2000000000, 'x')");
        Add("format-padding", Outcome.Invalid, "SELECT format('%2000000000d', 1)");
        Add("replace-hex-zeroblob", Outcome.Invalid, "SELECT replace(hex(zeroblob(500000000)), '0', 'xx')");
        Add("replace-growth", Outcome.Invalid, "SELECT length(replace(hex(zeroblob(4000000)), '0', 'xyz'))");
        Add("big-values-many-rows", Outcome.Truncated, "SELECT printf('%.*c', 4000000, 'x') FROM mirror_events");
        Add("big-blobs-many-rows", Outcome.Truncated, "SELECT zeroblob(4000000) FROM mirror_events");
        Add("cartesian-3-rows", Outcome.Truncated, "SELECT a.payload, b.payload, c.payload FROM mirror_events a, mirror_events b, mirror_events c");
        Add("cartesian-3-sorted", Outcome.Stopped, "SELECT a.seq, b.seq, c.seq FROM mirror_events a, mirror_events b, mirror_events c ORDER BY random()");
        Add("cartesian-4-count", Outcome.TimedOut, "SELECT count(*) FROM mirror_events a, mirror_events b, mirror_events c, mirror_events d");
        Add("sorter-growth", Outcome.Stopped, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, zeroblob(100000) FROM c ORDER BY random()");
        Add("sorter-big-records", Outcome.Stopped, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, zeroblob(8000000) FROM c ORDER BY random()");
        Add("group-by-growth", Outcome.Stopped, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, max(randomblob(1000)) FROM c GROUP BY x");
        Add("distinct-growth", Outcome.Stopped, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(DISTINCT x || zeroblob(1000)) FROM c");
        Add("json-deep-nesting", Outcome.Invalid, "SELECT json(printf('%.*c', 100000, '['))");

        // Straight-line memory bombs: one row of many large values is built between two progress checks, so each query
        // gets a value cap of half the memory budget divided by the values its program can hold at once.
        Add("many-large-columns", Outcome.Invalid, "SELECT " + Numbered("hex(zeroblob(4000000 + {0}))", 150));
        Add("many-columns-under-the-cap", Outcome.Truncated, "SELECT " + Numbered("hex(zeroblob(110000 + {0}))", 150));
        Add("large-in-list", Outcome.Invalid, "SELECT 1 WHERE 5 IN (" + Numbered("hex(zeroblob(4000000 + {0}))", 99) + ")");
        Add("function-of-large-arguments", Outcome.Invalid, "SELECT length(max(" + Numbered("hex(zeroblob(4000000 + {0}))", 99) + "))");
        Add("concat-of-one-large-value", Outcome.Invalid, "WITH t AS (SELECT zeroblob(8000000) AS z) SELECT length(concat(" + string.Join(", ", Enumerable.Repeat("z", 99)) + ")) FROM t");
        Add("json-array-of-large-values", Outcome.Invalid, "SELECT length(json_array(" + Numbered("hex(zeroblob(4000000 + {0}))", 99) + "))");

        // Functions whose cost is the product of their arguments' lengths, in one call SQLite cannot interrupt: the
        // query connection's own instr, replace and two-argument trims refuse that much work, unhex(X, Y) and
        // json_patch are not available, and LIKE patterns are capped at 100 bytes.
        Add("instr-quadratic", Outcome.Invalid, "SELECT instr(printf('%.*c', 2000000, 'a'), printf('%.*c', 1000000, 'a') || 'b')");
        Add("replace-quadratic", Outcome.Invalid, "SELECT length(replace(printf('%.*c', 2000000, 'a'), printf('%.*c', 1000000, 'a') || 'b', ''))");
        Add("trim-quadratic", Outcome.Invalid, ManyCharacters("trim"));
        Add("ltrim-quadratic", Outcome.Invalid, ManyCharacters("ltrim"));
        Add("rtrim-quadratic", Outcome.Invalid, ManyCharacters("rtrim"));
        Add("unhex-quadratic", Outcome.Invalid, "SELECT length(unhex(printf('%.*c', 100000, 'x'), printf('%.*c', 100000, 'y') || 'x'))");
        Add("json-patch", Outcome.NotReadOnly, "SELECT json_patch('{\"a\":1}', '{\"b\":2}')");
        Add("like-long-pattern-on-big-value", Outcome.Invalid, "SELECT printf('%.*c', 8000000, 'a') LIKE '%' || printf('%.*c', 990, 'a') || 'b'");

        // Deep nesting and oversized SQL (SQLITE_LIMIT_EXPR_DEPTH, _COMPOUND_SELECT, _SQL_LENGTH).
        Add("nested-parentheses-5000", Outcome.Invalid, "SELECT " + new string('(', 5000) + "1" + new string(')', 5000));
        Add("nested-plus-5000", Outcome.Invalid, "SELECT 1" + Repeat("+1", 5000));
        Add("nested-subqueries-300", Outcome.Invalid, Repeat("SELECT (", 300) + "SELECT 1" + new string(')', 300));
        Add("nested-function-calls-5000", Outcome.Invalid, "SELECT " + Repeat("abs(", 5000) + "1" + new string(')', 5000));
        Add("union-all-200", Outcome.Invalid, string.Join(" UNION ALL ", Enumerable.Repeat("SELECT 1", 200)));
        Add("sql-200k", Outcome.Invalid, "SELECT '" + new string('x', 200_000) + "'");

        // Huge LIKE and GLOB patterns (SQLITE_LIMIT_LIKE_PATTERN_LENGTH).
        Add("like-literal-pattern", Outcome.Invalid, "SELECT count(*) FROM customers WHERE name LIKE '" + Repeat("%a", 2000) + "'");
        Add("like-computed-pattern", Outcome.Invalid, "SELECT 'a' LIKE printf('%.*c', 100000, '%')");
        Add("glob-computed-pattern", Outcome.Invalid, "SELECT 'a' GLOB printf('%.*c', 100000, '*')");
        Add("like-escape-pattern", Outcome.Invalid, "SELECT 'a' LIKE printf('%.*c', 50000, '!') ESCAPE '!'");

        // Parameters (SQLITE_LIMIT_VARIABLE_NUMBER; positional parameters are refused).
        Add("too-many-parameters", Outcome.Invalid, "SELECT " + string.Join(", ", Enumerable.Range(1, 600).Select(i => "@p" + i.ToString(CultureInfo.InvariantCulture))));
        Add("parameter-number-too-high", Outcome.Invalid, "SELECT ?40000");
        Add("positional-parameter", Outcome.Invalid, "SELECT ?");

        // Full-text search: the index table customers_fts is readable with MATCH, bm25, snippet and highlight, under
        // every bound; its shadow tables, other FTS5 machinery and writes to it are not.
        Add("fts-match-malformed", Outcome.Invalid, "SELECT * FROM customers_fts WHERE customers_fts MATCH 'name AND ('");
        Add("fts-match-unknown-column", Outcome.Invalid, "SELECT * FROM customers_fts WHERE customers_fts MATCH 'nosuch: x'");
        Add("fts-match-deep-parentheses", Outcome.Invalid, "SELECT * FROM customers_fts WHERE customers_fts MATCH '" + Repeat("(", 5000) + "customer" + new string(')', 5000) + "'");
        Add("fts-match-deep-not-chain", Outcome.Invalid, "SELECT * FROM customers_fts WHERE customers_fts MATCH 'customer" + Repeat(" NOT x", 400) + "'");
        Add("fts-match-computed-200k-term-or", Outcome.Stopped, "SELECT count(*) FROM customers_fts WHERE customers_fts MATCH (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT group_concat('w' || x, ' OR ') FROM c)");
        Add("fts-match-computed-200k-prefix-or", Outcome.Stopped, "SELECT count(*) FROM customers_fts WHERE customers_fts MATCH (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT group_concat('c*', ' OR ') FROM c)");
        Add("fts-match-computed-200k-token-phrase", Outcome.Stopped, "SELECT count(*) FROM customers_fts WHERE customers_fts MATCH (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT '\"' || group_concat('customer', ' ') || '\"' FROM c)");
        Add("fts-snippet-megabyte-markers", Outcome.Truncated, "SELECT snippet(customers_fts, -1, printf('%.*c', 1000000, '['), ']', '...', 64) AS s FROM customers_fts WHERE customers_fts MATCH 'customer'");
        Add("fts-shadow-data", Outcome.NotReadOnly, "SELECT * FROM customers_fts_data");
        Add("fts-shadow-idx", Outcome.NotReadOnly, "SELECT * FROM customers_fts_idx");
        Add("fts-shadow-docsize-joined", Outcome.NotReadOnly, "SELECT * FROM customers_fts f JOIN customers_fts_docsize d ON d.id = f.rowid WHERE customers_fts MATCH 'customer'");
        Add("fts-vocab", Outcome.NotReadOnly, "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, 'customers_fts', 'row')");
        Add("fts-create-virtual-table", Outcome.NotReadOnly, "CREATE VIRTUAL TABLE temp.x USING fts5(a)");
        Add("fts-rebuild-command", Outcome.NotReadOnly, "INSERT INTO customers_fts (customers_fts) VALUES ('rebuild')");
        Add("fts-delete-all-command", Outcome.NotReadOnly, "INSERT INTO customers_fts (customers_fts) VALUES ('delete-all')");
        Add("fts-cte-delete", Outcome.NotReadOnly, "WITH x AS (SELECT 1) DELETE FROM customers_fts");
        Add("fts-api-function", Outcome.NotReadOnly, "SELECT fts5(NULL)");
        Add("fts-data-version-pragma", Outcome.NotReadOnly, "PRAGMA data_version");
        return data;
    }

    public static TheoryData<string, Outcome, string> Refused()
    {
        var data = new TheoryData<string, Outcome, string>();
        foreach (var row in Hostile())
        {
            if (Outcomes.IsRefusal((Outcome)row[1]))
            {
                data.Add((string)row[0], (Outcome)row[1], (string)row[2]);
            }
        }

        return data;
    }

    public static TheoryData<string, string> Allowed() => new()
    {
        { "pragma-table-info", "PRAGMA table_info(customers)" },
        { "pragma-table-info-function", "SELECT * FROM pragma_table_info('customers')" },
        { "pragma-index-list", "SELECT * FROM pragma_index_list('mirror_events')" },
        { "pragma-table-list", "PRAGMA table_list" },
        { "sqlite-schema", "SELECT type, name, sql FROM sqlite_schema" },
        { "sqlite-temp-schema", "SELECT count(*) FROM temp.sqlite_schema" },
        { "json-each", "SELECT c.record_id, t.value FROM customers c, json_each(c.tags) t" },
        { "json-extract", "SELECT json_extract(address, '$.city') AS city, count(*) FROM customers GROUP BY city" },
        { "json-arrow-operators", "SELECT address ->> '$.city' AS city, address -> '$.zip' AS zip FROM customers WHERE tags ->> '$[1]' = 'all'" },
        { "window-functions", "SELECT record_id, amount, rank() OVER (PARTITION BY customer_id ORDER BY amount DESC) AS r, sum(amount) OVER () AS total FROM invoices" },
        { "bounded-recursive-cte", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) SELECT sum(x) FROM c" },
        { "explain-query-plan", "EXPLAIN QUERY PLAN SELECT * FROM invoices WHERE customer_id = 'c1'" },
        { "explain-select", "EXPLAIN SELECT 1" },
        { "trailing-semicolons-and-comments", "SELECT 1; -- DELETE FROM customers\n;/* DROP TABLE invoices */;" },
        { "semicolon-in-string", "SELECT ';DELETE FROM customers' AS s" },
        { "unterminated-block-comment", "SELECT 1; /* DELETE FROM customers" },
        { "line-comment-to-end", "SELECT 1 -- ;\rDELETE FROM customers" },
        { "mirror-tables", "SELECT resource, count(*) FROM mirror_events GROUP BY resource" },
        { "big-but-capped-value", "SELECT length(printf('%.*c', 1000000, 'x'))" },
        { "string-functions", "SELECT instr(name, ' ') AS i, replace(name, 'Customer ', 'C') AS r, trim(name, 'C') AS t, rtrim(tier, 'e') AS rt, unhex('4142') AS u FROM customers" },
        { "like-pattern", "SELECT count(*) FROM customers WHERE name LIKE '%omer 1%' OR name GLOB '*3'" },
        { "fts-match-ranked", "SELECT record_id, rank FROM customers_fts WHERE customers_fts MATCH 'enterprise' ORDER BY rank LIMIT 5" },
        { "fts-prefix", "SELECT count(*) FROM customers_fts WHERE customers_fts MATCH 'c*'" },
        { "fts-bm25-snippet-highlight", "SELECT record_id, bm25(customers_fts), snippet(customers_fts, -1, '[', ']', '...', 8), highlight(customers_fts, 1, '<', '>') FROM customers_fts WHERE customers_fts MATCH 'customer AND de'" },
        { "fts-join-back", "SELECT c.record_id, c.tier FROM customers_fts f JOIN customers c ON c.rowid = f.rowid WHERE customers_fts MATCH 'startup' ORDER BY f.rank" },
        { "fts-5000-term-or", "SELECT count(*) FROM customers_fts WHERE customers_fts MATCH '" + string.Join(" OR ", Enumerable.Range(0, 5000).Select(i => "w" + i.ToString(CultureInfo.InvariantCulture))) + "'" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task QueryAsync_HostileQuery_IsRefusedOrStopped_AndChangesNothing(string name, Outcome expected, string sql)
    {
        var resolved = fixture.Resolve(sql);
        var fingerprint = fixture.Fingerprint();
        var files = fixture.Files();

        // A query the guards must refuse gets a long limit, so that the guard decides, not a busy machine's clock.
        var options = Outcomes.IsRefusal(expected) ? Refusing : null;
        var outcome = await Outcomes.OfAsync(() => fixture.Store.QueryAsync(resolved, null, options));

        outcome.Should().BeOneOf(Outcomes.Accepted(expected), "query {0} ({1}) must be {2}", name, Excerpt(sql), expected);
        fixture.Fingerprint().Should().Be(fingerprint, "query {0} must not change the database", name);
        fixture.Files().Should().Equal(files, "query {0} must not create a file", name);
        await StoreStillAnswersAsync();
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task QueryAsyncOfT_HostileQuery_IsRefused_AndChangesNothing(string name, Outcome expected, string sql)
    {
        var resolved = fixture.Resolve(sql);
        var fingerprint = fixture.Fingerprint();
        var files = fixture.Files();

        var outcome = await Outcomes.OfAsync(async () => await fixture.Store.QueryAsync<object>(resolved, null, Refusing));

        outcome.Should().BeOneOf(Outcomes.Accepted(expected), "query {0} ({1}) must be {2} on the Dapper path too", name, Excerpt(sql), expected);
        fixture.Fingerprint().Should().Be(fingerprint, "query {0} must not change the database", name);
        fixture.Files().Should().Equal(files, "query {0} must not create a file", name);
        await StoreStillAnswersAsync();
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task QueryAsyncOfT_HostileQueryAsOf_IsRefusedLikeTheUntypedQuery_AndChangesNothing(string name, Outcome expected, string sql)
    {
        var resolved = fixture.Resolve(sql);
        var fingerprint = fixture.Fingerprint();
        var files = fixture.Files();

        var untyped = await Outcomes.OfAsync(() => fixture.Store.QueryAsync(resolved, null, AsOf));
        var typed = await Outcomes.OfAsync(async () => await fixture.Store.QueryAsync<object>(resolved, null, AsOf));

        // The snapshot holds the resource tables and mirror_records only, so a statement that names another internal
        // table is invalid there before the authorizer could refuse it.
        untyped.Should().BeOneOf(Outcomes.Accepted(expected).Append(nameof(QueryException)), "query {0} ({1}) must be refused as of a moment", name, Excerpt(sql));
        typed.Should().Be(untyped, "query {0} ({1}) must meet the same checks on the Dapper path as of a moment", name, Excerpt(sql));
        fixture.Fingerprint().Should().Be(fingerprint, "query {0} must not change the database", name);
        fixture.Files().Should().Equal(files, "query {0} must not create a file", name);
        (await fixture.Store.QueryAsync<long>("SELECT count(*) FROM customers", null, AsOf)).Should().Equal(40L);
        (await fixture.Store.QueryAsync<long>("SELECT count(*) FROM mirror_records", null, AsOf)).Should().Equal(160L);
    }

    [Theory]
    [MemberData(nameof(Allowed))]
    public async Task QueryAsync_ReadOnlyQuery_IsAnswered(string name, string sql)
    {
        var fingerprint = fixture.Fingerprint();

        var result = await fixture.Store.QueryAsync(sql);

        result.RowCount.Should().BePositive("query {0} reads something", name);
        result.Truncated.Should().BeFalse();
        fixture.Fingerprint().Should().Be(fingerprint);
    }

    [Fact]
    public async Task QueryAsync_AfterTheWholeCorpus_StillAnswersNormalQueries()
    {
        var fingerprint = fixture.Fingerprint();
        var files = fixture.Files();
        var unexpected = new List<string>();

        foreach (var row in Hostile())
        {
            var (name, expected, sql) = ((string)row[0], (Outcome)row[1], fixture.Resolve((string)row[2]));
            var options = Outcomes.IsRefusal(expected) ? Refusing : null;
            var plain = await Outcomes.OfAsync(() => fixture.Store.QueryAsync(sql, null, options));
            var typed = await Outcomes.OfAsync(async () => await fixture.Store.QueryAsync<object>(sql, null, options));
            if (!Outcomes.Accepted(expected).Contains(plain) || !Outcomes.Accepted(expected).Contains(typed))
            {
                unexpected.Add($"{name}: expected {expected}, got {plain} / {typed} (QueryAsync / QueryAsync<T>)");
            }
        }

        unexpected.Should().BeEmpty();
        fixture.Fingerprint().Should().Be(fingerprint);
        fixture.Files().Should().Equal(files);
        await StoreStillAnswersAsync();
        (await fixture.Store.RecordCountsAsync()).Should().Equal(new Dictionary<string, long> { ["customers"] = 40, ["invoices"] = 120 });
    }

    [Fact]
    public async Task QueryAsync_LoopThatKeepsAllocating_IsStoppedByTheMemoryBudget_LongBeforeItsDeadline()
    {
        // Before the memory budget, only the deadline stopped a sorter or a DISTINCT table from growing: a second of
        // ORDER BY over generated rows took the process past 1.5 GB, five seconds past 3.5 GB.
        await using var store = await TwoServiceMirror.OpenAsync(options: new MirrorStoreOptions { QueryTimeout = TimeSpan.FromSeconds(5) });
        const string Sorting = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, zeroblob(100000) FROM c ORDER BY random()";
        const string Distinct = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(DISTINCT x || zeroblob(10000)) FROM c";

        var sorting = () => store.QueryAsync(Sorting);
        var distinct = () => store.QueryAsync(Distinct);
        var typed = () => store.QueryAsync<long>(Sorting);

        foreach (var query in new[] { sorting, distinct, async () => { await typed(); return null!; } })
        {
            var thrown = await query.Should().ThrowAsync<QueryException>();
            thrown.Which.Should().NotBeOfType<QueryTimeoutException>();
            thrown.Which.Message.Should().Contain("MiB the store's agent queries may hold together").And.Contain("Narrow it");
        }

        (await store.QueryAsync<long>("SELECT count(*) FROM customers")).Rows.Should().Equal(40L);
    }

    [Fact]
    public async Task QueryAsyncOfT_RowsPastTheByteCap_AreCutShort()
    {
        // Before the typed path had a byte cap, it returned every row: 160 rows of 4 MB text came back as 1.3 GB of strings.
        await using var store = await TwoServiceMirror.OpenAsync(options: new MirrorStoreOptions { MaxQueryBytes = 1024 * 1024 });

        var text = await store.QueryAsync<string>("SELECT printf('%.*c', 100000, 'x') FROM mirror_events");
        var blobs = await store.QueryAsync<byte[]>("SELECT zeroblob(100000) FROM mirror_events");

        text.Truncated.Should().BeTrue();
        text.Rows.Count.Should().BeInRange(1, 20, "2 × 1 MiB + 1 MiB of UTF-16 holds about 15 rows of 100,000 characters");
        blobs.Truncated.Should().BeTrue();
        blobs.Rows.Count.Should().BeInRange(1, 40);
        (await store.QueryAsync<long>("SELECT count(*) FROM mirror_events")).Truncated.Should().BeFalse();
    }

    private async Task StoreStillAnswersAsync()
    {
        var result = await fixture.Store.QueryAsync(
            "SELECT c.tier, count(*) AS n FROM invoices i JOIN customers c ON c.record_id = i.customer_id GROUP BY c.tier ORDER BY c.tier");
        result.Rows.Select(r => $"{r["tier"]}={r["n"]}").Should().Equal("enterprise=39", "smb=39", "startup=42");
        (await fixture.Store.QueryAsync<long>("SELECT count(*) FROM mirror_events")).Rows.Should().Equal(160L);
    }

    /// <summary>
    /// A trim whose character set holds 100,000 distinct four-byte characters, and whose input repeats the last of them:
    /// SQLite's trim compares every character of the set at every position, 10^10 comparisons in one call.
    /// </summary>
    internal static string ManyCharacters(string trim) =>
        "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 99999) " +
        $"SELECT length({trim}(replace(printf('%.*c', 100000, 'z'), 'z', char(165535)), (SELECT group_concat(char(65536 + x), '') FROM c)))";

    /// <summary>Joins <paramref name="count"/> copies of <paramref name="format"/>, each with its index as {0}, with commas.</summary>
    internal static string Numbered(string format, int count) =>
        string.Join(", ", Enumerable.Range(0, count).Select(i => string.Format(CultureInfo.InvariantCulture, format, i)));

    private static string Repeat(string text, int count) => string.Concat(Enumerable.Repeat(text, count));

    private static string Excerpt(string sql) => sql.Length <= 120 ? sql : sql[..120] + "…";

    /// <summary>Names what a query did, so that a failing case shows it in the assertion message.</summary>
    private static class Outcomes
    {
        public const string Answered = "answered in full";
        private const string Truncated = "answered, truncated";
        private const string NoOp = "no-op (no columns, no rows)";

        public static bool IsRefusal(Outcome expected) => expected is Outcome.NotReadOnly or Outcome.Invalid or Outcome.BadArgument or Outcome.NoOp;

        public static string[] Accepted(Outcome expected) => expected switch
        {
            Outcome.NotReadOnly => [nameof(QueryNotReadOnlyException)],
            Outcome.Invalid => [nameof(QueryException)],
            Outcome.BadArgument => [nameof(ArgumentException)],
            Outcome.TimedOut => [nameof(QueryTimeoutException)],
            Outcome.Truncated => [Truncated],
            Outcome.Stopped => [nameof(QueryTimeoutException), nameof(QueryException)],
            Outcome.NoOp => [NoOp],
            _ => throw new ArgumentOutOfRangeException(nameof(expected)),
        };

        public static async Task<string> OfAsync(Func<Task<QueryResult>> query)
        {
            try
            {
                var result = await query();
                return result.Truncated ? Truncated : result.Columns.Count == 0 && result.RowCount == 0 ? NoOp : Answered;
            }
            catch (Exception ex) when (ex is QueryException or ArgumentException)
            {
                return ex.GetType().Name;
            }
        }

        public static async Task<string> OfAsync<T>(Func<Task<QueryResult<T>>> query)
        {
            try
            {
                var result = await query();
                return result.Truncated ? Truncated : result.Rows.Count == 0 ? NoOp : Answered;
            }
            catch (Exception ex) when (ex is QueryException or ArgumentException)
            {
                return ex.GetType().Name;
            }
        }
    }
}
