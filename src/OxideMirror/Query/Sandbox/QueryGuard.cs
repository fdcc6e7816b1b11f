using SQLitePCL;

namespace OxideMirror;

/// <summary>
/// Hardens a read-only connection for untrusted SQL: defensive flags, no extensions, <c>query_only</c>, size limits,
/// and an allow-list authorizer that SQLite consults while it prepares every statement. Also carries the per-query
/// deadline and memory budget that the progress handler enforces.
/// </summary>
/// <remarks>
/// SQLite calls the progress handler (and checks <c>sqlite3_interrupt</c>) only where its bytecode jumps back, at the
/// bottom of loops and between rows, so straight-line code - one row of a hundred <c>hex(zeroblob(4000000 + n))</c>
/// columns, one call that builds a large value - runs to its end unchecked. What bounds it is the allocator
/// (<see cref="QueryMemory"/>): every allocation of the armed query is charged to the store's <see cref="QueryMemoryPool"/>
/// and refused past it, or once <see cref="Exceeded"/> says the query must stop. Sorts are kept in short steps by
/// giving the connection temporary files in memory (<see cref="TempFileVfs"/>). <see cref="Fit"/> sizes the value cap
/// (SQLITE_LIMIT_LENGTH, which SQLite checks on every value it computes, copies or reads) from the prepared program, so
/// that a query that could not fit is refused early with a message about its values. A watchdog thread cannot lower a
/// limit instead: the bundled SQLite takes the connection's mutex in <c>sqlite3_limit</c>, so a limit cannot change
/// while a statement runs. <see cref="GuardedFunctions"/> also checks the deadline on each call.
/// </remarks>
internal sealed class QueryGuard
{
    // sqlite3.h authorizer action codes.
    private const int Pragma = 19;
    private const int Read = 20;
    private const int Select = 21;
    private const int Function = 31;
    private const int Recursive = 33;
    private const int Ok = 0;
    private const int Deny = 1;

    // How many bytecode steps SQLite runs between two calls of the progress handler. A loop that keeps a large value
    // every few steps (DISTINCT or ORDER BY over zeroblob(8000000 - n)) passed the budget by 500 MB between two checks
    // a thousand steps apart and by a few tens of MB at a hundred; checking every hundred steps costs no measurable
    // time on a grouped aggregate over 200,000 rows, every ten steps about 20%.
    private const int ProgressSteps = 100;

    private static readonly HashSet<string> AllowedFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        // Core scalar functions.
        "abs", "char", "coalesce", "concat", "concat_ws", "format", "glob", "hex", "if", "ifnull", "iif", "instr",
        "length", "like", "likelihood", "likely", "lower", "ltrim", "max", "min", "nullif", "octet_length", "printf",
        "quote", "random", "randomblob", "replace", "round", "rtrim", "sign", "soundex", "sqlite_version", "substr",
        "substring", "trim", "typeof", "unhex", "unicode", "unistr", "unistr_quote", "unlikely", "upper", "zeroblob",
        // Date and time.
        "date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff", "current_date", "current_time",
        "current_timestamp",
        // Aggregates and window functions.
        "avg", "count", "group_concat", "string_agg", "sum", "total", "median", "percentile", "percentile_cont",
        "percentile_disc", "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
        "first_value", "last_value", "nth_value",
        // Math.
        "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "ceiling", "cos", "cosh", "degrees", "exp",
        "floor", "ln", "log", "log10", "log2", "mod", "pi", "pow", "power", "radians", "sin", "sinh", "sqrt", "tan",
        "tanh", "trunc",
        // JSON (pure functions: they compute values, they change nothing). json_patch and jsonb_patch are left out: they
        // look up every key of one object in the other, hours of uninterruptible work for two large objects.
        "json", "jsonb", "json_array", "jsonb_array", "json_array_length", "json_error_position", "json_extract",
        "jsonb_extract", "json_insert", "jsonb_insert", "json_object", "jsonb_object",
        "json_pretty", "json_quote", "json_remove", "jsonb_remove", "json_replace", "jsonb_replace", "json_set",
        "jsonb_set", "json_type", "json_valid", "json_group_array", "jsonb_group_array", "json_group_object",
        "jsonb_group_object", "json_each", "json_tree",
        // The -> and ->> operators, which SQLite compiles (and authorizes) as functions of those names.
        "->", "->>",
        // Full-text search: MATCH (compiled as a function of that name) and FTS5's auxiliary functions. They work only on
        // an FTS5 table, and the only FTS5 tables agent SQL may read are the store's search indexes (see Authorize).
        "match", "bm25", "snippet", "highlight",
    };

    private static readonly HashSet<string> AllowedPragmas = new(StringComparer.OrdinalIgnoreCase)
    {
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list",
        "collation_list", "function_list", "pragma_list", "compile_options",
    };

    /// <summary>
    /// Says why a statement that reads a pragma's table-valued function (<c>pragma_journal_mode</c>) is refused, for a
    /// caller that prepares it and never steps it (SQLite asks the authorizer about the pragma only when such a table is
    /// first read); null when every pragma function among <paramref name="tablesRead"/> is one agent queries may read.
    /// </summary>
    internal static string? RefusedPragmaFunction(IEnumerable<string> tablesRead)
    {
        foreach (var table in tablesRead)
        {
            if (table.StartsWith("pragma_", StringComparison.OrdinalIgnoreCase) && !AllowedPragmas.Contains(table["pragma_".Length..]))
            {
                return $"PRAGMA {table["pragma_".Length..]} is not allowed in agent queries (only schema-reading pragmas such as table_info are)";
            }
        }

        return null;
    }

    private readonly strdelegate_authorizer _authorizer;
    private readonly delegate_progress _progress;
    private readonly int _maxValueBytes;
    private readonly int _defaultMaxLength;
    private readonly QueryMemoryPool _pool;
    private QueryMemory.Scope _scope;
    private int _valueCap;
    private long _deadline;
    private CancellationToken _cancellation;
    private volatile bool _armed;

    private QueryGuard(int maxValueBytes, int defaultMaxLength, QueryMemoryPool pool)
    {
        _maxValueBytes = maxValueBytes;
        _defaultMaxLength = defaultMaxLength;
        _valueCap = defaultMaxLength;
        _pool = pool;
        _authorizer = Authorize;
        _progress = Progress;
    }

    /// <summary>
    /// Gets the SQLite memory the store's agent queries may hold at once, together (<see cref="QueryMemoryPool"/>): every
    /// allocation made while a query is armed is charged to it and refused past it (<see cref="QueryMemory"/>), which
    /// bounds what loops accumulate (a sorter and its temporary files, a DISTINCT or GROUP BY table, a recursive CTE's
    /// queue) and what one function call builds alike. <see cref="Fit"/> sizes the value cap from it, so that a query
    /// that cannot fit is refused before it runs.
    /// </summary>
    public long MemoryBudget => _pool.Limit;

    /// <summary>Gets the pool the armed query's memory is charged to.</summary>
    public QueryMemoryPool Pool => _pool;

    /// <summary>
    /// Gets the most bytes one value, or one row read from a table, may hold in the armed query: the store's value cap,
    /// lowered by <see cref="Fit"/> for a query whose program has many steps that touch values. SQLite's own limit while no
    /// query is armed.
    /// </summary>
    public int ValueCap => _valueCap;

    /// <summary>Gets the store's cap on one value, which <see cref="Fit"/> never raises.</summary>
    public int MaxValueBytes => _maxValueBytes;

    /// <summary>Gets how many instructions that touch values <see cref="Fit"/> counted in the armed query's program.</summary>
    public int ValueSteps { get; private set; }

    /// <summary>Gets the smallest value cap <see cref="Fit"/> sets; a program that would need a smaller one is refused.</summary>
    public static int MinimumValueCap => 4096;

    /// <summary>
    /// Gets or sets the store's search indexes and the file's other FTS5 tables (the reader sets them before each query):
    /// agent SQL reads an index, never its shadow tables, and no other FTS5 table.
    /// </summary>
    public SearchTables Search { get; set; } = SearchTables.Empty;

    /// <summary>
    /// Gets a value indicating whether the armed query has been prepared and checked and is now running
    /// (<see cref="BeginRunning"/>). Then every statement the authorizer sees is one SQLite prepares for itself inside a
    /// virtual table: FTS5's reads of an index's shadow tables, which the agent's own SQL may not name.
    /// </summary>
    public bool Running { get; private set; }

    /// <summary>Gets the tables the armed query reads, as the authorizer saw them while it was prepared.</summary>
    public HashSet<string> TablesRead { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets why the authorizer refused the last statement, or null.</summary>
    public string? Denied { get; private set; }

    /// <summary>Gets a value indicating whether the last query was stopped by its deadline.</summary>
    public bool TimedOut { get; private set; }

    /// <summary>Gets a value indicating whether the last query was stopped by its cancellation token.</summary>
    public bool Cancelled { get; private set; }

    /// <summary>Gets a value indicating whether the last query was stopped because an allocation would have taken the pool past <see cref="MemoryBudget"/>.</summary>
    public bool OutOfMemory { get; private set; }

    /// <summary>Gets a value indicating whether the last query was stopped by its token, its deadline or the memory pool.</summary>
    public bool Stopped => Cancelled || TimedOut || OutOfMemory;

    /// <summary>Gets the armed query's time limit.</summary>
    public TimeSpan Timeout { get; private set; }

    /// <summary>Gets the armed query's cancellation token.</summary>
    public CancellationToken CancellationToken => _cancellation;

    /// <summary>
    /// Gets or sets the as-of views the store's own code created on this connection for the query about to run, or null
    /// for a live query. While set, the query may read the store's tables only through those views: a read of a table in
    /// <c>main</c> from the query's own SQL is refused (<see cref="OutsideMoment"/>), so it cannot see past its moment.
    /// </summary>
    public AsOfAccess? AsOfViews { get; set; }

    /// <summary>Gets why the armed as-of query was refused for reading outside its moment, or null.</summary>
    public string? OutsideMoment { get; private set; }

    /// <summary>
    /// Gets or sets a value indicating whether the store's own code is running statements on this connection with the
    /// guard disarmed (creating or dropping as-of views): the authorizer then allows everything.
    /// </summary>
    public bool Trusted { get; set; }

    /// <summary>Gets how many bytes the pool held when the last query's allocation was refused.</summary>
    public long PoolUsedAtRefusal { get; private set; }

    public static QueryGuard Install(sqlite3 db, int maxValueBytes, QueryMemoryPool pool)
    {
        Check(db, raw.sqlite3_db_config(db, raw.SQLITE_DBCONFIG_DEFENSIVE, 1, out _));
        Check(db, raw.sqlite3_db_config(db, raw.SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, out _));
        Check(db, raw.sqlite3_db_config(db, raw.SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, out _));
        Check(db, raw.sqlite3_db_config(db, raw.SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, out _));
        Check(db, raw.sqlite3_enable_load_extension(db, 0));
        // Temporary files go to TempFileVfs, in memory charged to the query, so sorts run in short steps (see there);
        // the connection must therefore have been opened through one of its wrappers, or a sort would write to disk.
        RequireTempFileVfs(db);
        Check(db, raw.sqlite3_exec(db, "PRAGMA query_only = 1; PRAGMA temp_store = FILE;"));
        raw.sqlite3_limit(db, raw.SQLITE_LIMIT_WORKER_THREADS, 0);

        // The value-size cap (SQLITE_LIMIT_LENGTH) is set only while an agent query runs (Arm/Disarm): the store's own
        // reads on this connection must be able to return any record the writer accepted.
        raw.sqlite3_limit(db, raw.SQLITE_LIMIT_SQL_LENGTH, 100_000);
        raw.sqlite3_limit(db, raw.SQLITE_LIMIT_EXPR_DEPTH, 200);
        raw.sqlite3_limit(db, raw.SQLITE_LIMIT_COMPOUND_SELECT, 100);
        raw.sqlite3_limit(db, raw.SQLITE_LIMIT_ATTACHED, 0);
        raw.sqlite3_limit(db, raw.SQLITE_LIMIT_FUNCTION_ARG, 100);
        // A LIKE or GLOB costs up to the subject's length times the pattern's, in one uninterruptible call: 10 s for an
        // 8 MB value and a 1,000-byte pattern, about 1 s at 100 bytes.
        raw.sqlite3_limit(db, raw.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 100);
        raw.sqlite3_limit(db, raw.SQLITE_LIMIT_VARIABLE_NUMBER, 500);
        raw.sqlite3_limit(db, raw.SQLITE_LIMIT_TRIGGER_DEPTH, 1);

        var guard = new QueryGuard(maxValueBytes, raw.sqlite3_limit(db, raw.SQLITE_LIMIT_LENGTH, -1), pool);
        GuardedFunctions.Install(db, guard);
        Check(db, raw.sqlite3_set_authorizer(db, guard._authorizer, null));
        return guard;
    }

    /// <summary>
    /// Arms the deadline, cancellation and memory pool for one query on the calling thread, which must run it to the end
    /// and disarm it: the progress handler checks them every hundred bytecode steps, and <see cref="QueryMemory"/> on
    /// every allocation.
    /// </summary>
    /// <exception cref="QueryException">Agent queries cannot be bounded in this process (<see cref="SqliteSetup.EnsureBounded"/>).</exception>
    public void Arm(sqlite3 db, TimeSpan timeout, CancellationToken cancellationToken)
    {
        SqliteSetup.EnsureBounded();
        Denied = null;
        OutsideMoment = null;
        TablesRead.Clear();
        TimedOut = false;
        Cancelled = false;
        OutOfMemory = false;
        PoolUsedAtRefusal = 0;
        Timeout = timeout;
        _deadline = Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds);
        _cancellation = cancellationToken;
        _valueCap = _maxValueBytes;
        ValueSteps = 0;
        Running = false;
        raw.sqlite3_limit(db, raw.SQLITE_LIMIT_LENGTH, _maxValueBytes);
        _armed = true;
        _scope = QueryMemory.Enter(_pool, this);
        raw.sqlite3_progress_handler(db, ProgressSteps, _progress, null);
    }

    /// <summary>
    /// Lowers the armed query's value cap to half the memory budget divided by <paramref name="valueSteps"/>, the count
    /// of instructions in its program that can touch a value of any size (<see cref="ProgramCost"/>), so that the
    /// straight-line code SQLite runs between two progress checks cannot build more than the budget.
    /// </summary>
    /// <exception cref="QueryException">The program has so many such steps that each value would have to be smaller than <see cref="MinimumValueCap"/>.</exception>
    public void Fit(sqlite3 db, int valueSteps, string sql)
    {
        ValueSteps = valueSteps;
        var cap = MemoryBudget / 2 / valueSteps;
        if (cap < MinimumValueCap)
        {
            throw new QueryException(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"The query was refused because its program has {valueSteps} steps that compute, compare, copy or read values, more than the {MemoryBudget / 2 / MinimumValueCap} one query may have: {QueryRunner.Excerpt(sql)}. Select fewer columns or expressions, or split it into smaller queries."));
        }

        _valueCap = (int)Math.Min(_maxValueBytes, cap);
        raw.sqlite3_limit(db, raw.SQLITE_LIMIT_LENGTH, _valueCap);
    }

    public void Disarm(sqlite3 db)
    {
        _scope.Dispose();
        _scope = default;
        raw.sqlite3_progress_handler(db, 0, null, null);
        raw.sqlite3_limit(db, raw.SQLITE_LIMIT_LENGTH, _defaultMaxLength);
        _valueCap = _defaultMaxLength;
        _cancellation = default;
        _armed = false;
        Running = false;
    }

    /// <summary>
    /// Notes that the armed query was prepared and passed every check, and is about to run: statements prepared from now
    /// until <see cref="Disarm"/> are FTS5's own (or Dapper's second prepare of the same checked text).
    /// </summary>
    public void BeginRunning() => Running = _armed;

    /// <summary>
    /// Checks the armed query's token, deadline and memory, records which one it has passed, and returns whether the
    /// query must stop. The progress handler calls it in loops, <see cref="GuardedFunctions"/> on every call and
    /// <see cref="QueryMemory"/> on every allocation, which also reaches straight-line code and sorts. It must not call
    /// into SQLite: the allocator runs it while SQLite holds its memory mutex.
    /// </summary>
    public bool Exceeded()
    {
        if (!_armed)
        {
            return false;
        }

        if (_cancellation.IsCancellationRequested)
        {
            Cancelled = true;
            return true;
        }

        if (Environment.TickCount64 > _deadline)
        {
            TimedOut = true;
            return true;
        }

        return OutOfMemory;
    }

    /// <summary>Records that <see cref="QueryMemory"/> refused an allocation of the armed query: the query must stop.</summary>
    public void RefuseMemory()
    {
        if (_armed && !OutOfMemory)
        {
            PoolUsedAtRefusal = _pool.Used;
            OutOfMemory = true;
        }
    }

    public void ResetDenied()
    {
        Denied = null;
        OutsideMoment = null;
    }

    private static unsafe void RequireTempFileVfs(sqlite3 db)
    {
        const int FcntlVfsPointer = 27;
        nint vfs = 0;
        var main = "main\0"u8;
        int rc;
        fixed (byte* name = main)
        {
            rc = NativeMethods.FileControl(db.DangerousGetHandle(), name, FcntlVfsPointer, &vfs);
        }

        if (rc != raw.SQLITE_OK || !TempFileVfs.IsWrapper(vfs))
        {
            throw new MirrorException("A query connection was opened without OxideMirror's temp-file VFS, so its sorts would write temporary files to disk; it was closed.");
        }
    }

    private static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new MirrorException($"Could not harden the query connection (SQLite error {rc}: {raw.sqlite3_errmsg(db).utf8_to_string()}).");
        }
    }

    private int Progress(object userData) => Exceeded() ? 1 : 0;

    private int Authorize(object userData, int action, string param0, string param1, string dbName, string trigger)
    {
        if (Trusted && !_armed)
        {
            return Ok;
        }

        switch (action)
        {
            case Read:
                if (param0 is not null)
                {
                    if (AsOfViews is { } views && !ThroughAsOfView(views, param0, param1, dbName, trigger))
                    {
                        OutsideMoment ??= $"no such table: {param0} in the mirror as of that moment. An as-of query sees the resource tables and mirror_records as they were at that moment, and no other internal table; read the log (mirror_events) and other tables without AsOf, filtering on applied_at";
                        return Deny;
                    }

                    if (RefusesFts5Read(param0) is { } refusal)
                    {
                        Denied ??= refusal;
                        return Deny;
                    }

                    TablesRead.Add(param0);
                }

                return Ok;
            case Select:
            case Recursive:
                return Ok;
            case Function:
                if (AllowedFunctions.Contains(param1))
                {
                    return Ok;
                }

                // The as-of views' own filter (the moment they show); no query's SQL may call it.
                if (AsOfViews is { } access && trigger is not null && access.Readers.Contains(trigger)
                    && string.Equals(param1, OxideMirror.AsOfViews.MomentFunction, StringComparison.OrdinalIgnoreCase))
                {
                    return Ok;
                }

                Denied ??= $"the function {param1}() is not allowed in agent queries";
                return Deny;
            case Pragma:
                // FTS5 reads PRAGMA data_version before each scan of an index, to notice changes by other connections.
                if (Running && param1 is null && string.Equals(param0, "data_version", StringComparison.OrdinalIgnoreCase))
                {
                    return Ok;
                }

                if (AllowedPragmas.Contains(param0))
                {
                    return Ok;
                }

                Denied ??= param1 is null
                    ? $"PRAGMA {param0} is not allowed in agent queries (only schema-reading pragmas such as table_info are)"
                    : $"PRAGMA {param0} = {param1} would change the connection, and agent queries may only read";
                return Deny;
            default:
                Denied ??= $"{Describe(action, param0)} would change the database or reach outside it, and agent queries may only read";
                return Deny;
        }
    }

    /// <summary>
    /// Says why a read of <paramref name="table"/> is refused, or null: an FTS5 table that is not a search index of the
    /// store (or one of its shadow tables), or a search index's shadow table named by the agent's SQL. FTS5 reads an
    /// index's <c>_config</c> table when it first connects to the index, which happens while the agent's statement is
    /// prepared and cannot be told apart from the agent's own read, so that table (FTS5's version and options, a few
    /// rows) stays readable; the others (<c>_data</c>, <c>_idx</c>, <c>_docsize</c>) FTS5 reads only while the query runs.
    /// </summary>
    private string? RefusesFts5Read(string table)
    {
        var search = Search;
        if (search.IsForeign(table))
        {
            return $"the table {table} is an FTS5 table (or part of one) that is not a search index of the mirror, and agent queries may read only the mirror's search indexes";
        }

        if (!Running && search.IsShadow(table, out var index, out var suffix) && suffix != "_config")
        {
            return $"the table {table} holds the internal storage of the search index {index.TableName}; query {index.TableName} itself (WHERE {index.TableName} MATCH 'words')";
        }

        return null;
    }

    /// <summary>
    /// Says whether a read the authorizer sees during an as-of query goes through the moment's views: a column read by one
    /// of the views (SQLite names the innermost view responsible), or a read of a view itself. SQLite reports a table the
    /// statement reads no column of (<c>SELECT count(*) FROM t</c>) with an empty column name and the schema as written,
    /// so an unqualified name that is one of the views resolved to the view (temp comes before main); every view reads a
    /// column of each table under it (its filter), so a table read without one was named by the agent's SQL.
    /// </summary>
    private static bool ThroughAsOfView(AsOfAccess access, string table, string? column, string? dbName, string? trigger)
    {
        if (string.IsNullOrEmpty(column))
        {
            // A table read for no column, named as written: main.t is the live table, an unqualified name resolves to a
            // view (temp first) or, when no view has it, to a live table or a CTE of the query's own.
            return dbName is null
                ? access.Views.Contains(table) || !access.MainTables.Contains(table)
                : !string.Equals(dbName, "main", StringComparison.OrdinalIgnoreCase) || (trigger is not null && access.Readers.Contains(trigger));
        }

        // A column read names the schema it resolved to and the innermost view or CTE responsible: only the views' own
        // readers (named with a nonce that AsOfQueries refuses in a query's text, so no CTE of it can take their name) read main.
        return !string.Equals(dbName, "main", StringComparison.OrdinalIgnoreCase) || (trigger is not null && access.Readers.Contains(trigger));
    }

    private static string Describe(int action, string? name) => action switch
    {
        1 or 3 => $"CREATE INDEX {name}",
        2 or 4 => $"CREATE TABLE {name}",
        5 or 7 => $"CREATE TRIGGER {name}",
        6 or 8 => $"CREATE VIEW {name}",
        9 => $"DELETE FROM {name}",
        10 or 12 => $"DROP INDEX {name}",
        11 or 13 => $"DROP TABLE {name}",
        14 or 16 => $"DROP TRIGGER {name}",
        15 or 17 => $"DROP VIEW {name}",
        18 => $"INSERT INTO {name}",
        22 => "a transaction statement (BEGIN, COMMIT or ROLLBACK)",
        23 => $"UPDATE {name}",
        24 => "ATTACH",
        25 => "DETACH",
        26 => "ALTER TABLE",
        27 => "REINDEX",
        28 => "ANALYZE",
        29 => "CREATE VIRTUAL TABLE",
        30 => "DROP VIRTUAL TABLE",
        32 => "a SAVEPOINT statement",
        _ => $"an operation SQLite calls action {action}",
    };
}
