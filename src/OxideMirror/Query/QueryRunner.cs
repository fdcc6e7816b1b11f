using System.Globalization;
using System.Text;
using SQLitePCL;

namespace OxideMirror;

/// <summary>
/// Runs one untrusted SQL statement on a hardened read-only connection: the one sequence every agent query goes
/// through, live or as of a moment, typed or not (<see cref="Run{TResult}"/>: arm the guard, prepare and check,
/// answer, disarm). The untyped answer (<see cref="Rows"/>) steps the statement itself under the deadline, the row
/// cap and the byte cap; Microsoft.Data.Sqlite's command and reader are deliberately not used there: disposing its
/// reader runs the rest of a multi-statement batch (the typed answer runs them only on SQL checked to be one statement).
/// </summary>
internal static class QueryRunner
{
    private const int SqliteRow = 100;
    private const int SqliteDone = 101;
    private const int SqliteAuth = 23;
    private const int SqliteTooBig = 18;
    private const int SqliteInteger = 1;
    private const int SqliteFloat = 2;
    private const int SqliteText = 3;
    private const int SqliteBlob = 4;
    private const int StatusReprepare = 5; // SQLITE_STMTSTATUS_REPREPARE
    private static readonly System.Buffers.SearchValues<byte> Blank = System.Buffers.SearchValues.Create(" \t\r\n\f\v;"u8);

    /// <summary>The <see cref="Exception.Data"/> key under which an invalid <c>MATCH</c> expression's failure holds FTS5's own reason, for <see cref="MirrorStore.SearchAsync"/> to name its caller's text.</summary>
    public const string MatchSyntaxReason = "OxideMirror.MatchSyntaxReason";

    /// <summary>
    /// Reads the answer of a checked agent query from <paramref name="statement"/>, prepared on <paramref name="reader"/>
    /// whose guard is armed for it: binds and steps it (<see cref="Rows"/>), or reads its shape and runs the SQL through
    /// Dapper on the same connection.
    /// </summary>
    public delegate TResult Answer<TResult>(ReaderPool.Reader reader, sqlite3_stmt statement, Catalog catalog, QueryRequest request);

    /// <summary>
    /// Runs one agent query on <paramref name="reader"/> (a store reader, or a reader of an as-of snapshot), typed or not:
    /// arms the guard with the request's deadline and token, prepares the SQL and checks that it is one statement that
    /// the authorizer and SQLite accept as read-only, hands it to <paramref name="answer"/>, and disarms the guard
    /// whatever happens.
    /// </summary>
    public static TResult Run<TResult>(ReaderPool.Reader reader, Catalog catalog, QueryRequest request, Answer<TResult> answer)
    {
        var db = reader.Connection.Handle!;
        var guard = reader.Guard;
        guard.Arm(db, request.Timeout, request.CancellationToken);
        ReaderPool.KeptStatement? statement = null;
        try
        {
            statement = TakeKept(reader, request.Sql) ?? PrepareChecked(reader, request.Sql);
            guard.BeginRunning();
            var result = answer(reader, statement.Statement, catalog, request);

            // Kept for the next run of the same text through the same views, unless SQLite had to prepare it again while it
            // ran (another process changed the file's schema), with the authorizer seeing it as a running query's.
            if (raw.sqlite3_stmt_status(statement.Statement, StatusReprepare, 0) == 0)
            {
                raw.sqlite3_reset(statement.Statement);
                raw.sqlite3_clear_bindings(statement.Statement);
                reader.Keep(request.Sql, statement);
                statement = null;
            }

            return result;
        }
        finally
        {
            statement?.Statement.Dispose();
            guard.Disarm(db);
        }
    }

    /// <summary>The untyped answer: binds the parameters, then steps the statement itself under the row and byte caps.</summary>
    public static QueryResult Rows(ReaderPool.Reader reader, sqlite3_stmt statement, Catalog catalog, QueryRequest request)
    {
        var db = reader.Connection.Handle!;
        var guard = reader.Guard;
        Bind(statement, guard, QueryParameters.Read(request.Parameters));
        var modes = new JsonColumnMode[raw.sqlite3_column_count(statement)];
        for (var c = 0; c < modes.Length; c++)
        {
            var table = raw.sqlite3_column_table_name(statement, c).utf8_to_string();
            modes[c] = table is null
                ? JsonColumnMode.Detect
                : catalog.IsJsonColumn(table, raw.sqlite3_column_origin_name(statement, c).utf8_to_string()) ? JsonColumnMode.Json : JsonColumnMode.Text;
        }

        // The authorizer has seen every table while preparing, so the freshness the answer carries is known before the
        // first row, and its size counts against the byte cap with the rest of the answer.
        var freshness = catalog.Freshness(guard.TablesRead);
        var (names, rows, truncated) = Step(db, guard, statement, request.Sql, modes, freshness, request.Timeout, request.MaxRows, request.MaxBytes, request.CancellationToken);
        return new QueryResult(names, rows, truncated, modes, freshness);
    }

    /// <summary>Returns the names of <paramref name="statement"/>'s columns, as SQLite reports them.</summary>
    public static string[] ColumnNames(sqlite3_stmt statement)
    {
        var names = new string[raw.sqlite3_column_count(statement)];
        for (var c = 0; c < names.Length; c++)
        {
            names[c] = raw.sqlite3_column_name(statement, c).utf8_to_string() ?? string.Empty;
        }

        return names;
    }

    /// <summary>
    /// Returns what each row with these columns takes besides its values as a JSON object: braces, each quoted and escaped
    /// <c>"name":</c> and the separators.
    /// </summary>
    public static long RowNames(IReadOnlyList<string> names) => JsonAnswerSize.RowNames(names) + 1;

    /// <summary>
    /// Prepares <paramref name="sql"/> under the reader's guard and returns it once it is known to be one statement that
    /// SQLite judges read-only, with the guard's value cap fitted to its program; the caller disposes it or keeps it.
    /// </summary>
    private static ReaderPool.KeptStatement PrepareChecked(ReaderPool.Reader reader, string sql)
    {
        var db = reader.Connection.Handle!;
        var guard = reader.Guard;
        var bytes = Encoding.UTF8.GetBytes(sql);
        var statement = Prepare(db, guard, bytes, sql, out var tail);
        try
        {
            RefuseTail(db, guard, tail);
            if (raw.sqlite3_stmt_readonly(statement) == 0)
            {
                throw new QueryNotReadOnlyException(
                    $"The query was refused because SQLite judges it able to change the database: {Excerpt(sql)}. Agent queries may only read; send a SELECT (a WITH … SELECT is fine).");
            }

            var steps = FitValueCap(reader, statement, bytes, sql);
            return new ReaderPool.KeptStatement(statement, [.. guard.TablesRead], steps, reader.SchemaGeneration);
        }
        catch
        {
            statement.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes the statement <paramref name="reader"/> kept from an earlier run of <paramref name="sql"/>, and arms the guard
    /// with what its first preparation found (the tables it reads, its value cap); or returns null. The authorizer ran when
    /// it was prepared, through the same views at the same schema generation, and its decision depends on nothing else
    /// (the SQL, the views, the schema and the search indexes, which move the generation); the limits of this request are
    /// armed anew. SQLite prepares a statement again by itself only when the schema changed, which the store's own
    /// changes rule out (the generation, and <see cref="ReaderPool.Reader.RunTrusted"/> for the temp schema).
    /// </summary>
    private static ReaderPool.KeptStatement? TakeKept(ReaderPool.Reader reader, string sql)
    {
        if (!reader.TryTake(sql, out var kept))
        {
            return null;
        }

        if (kept.Generation != reader.SchemaGeneration)
        {
            kept.Statement.Dispose();
            return null;
        }

        try
        {
            reader.Guard.TablesRead.UnionWith(kept.TablesRead);
            if (kept.ValueSteps is { } steps)
            {
                reader.Guard.Fit(reader.Connection.Handle!, steps, sql);
            }

            return kept;
        }
        catch
        {
            kept.Statement.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Prepares <paramref name="sql"/>'s first statement under the reader's guard, armed with the given limits, and never
    /// steps it; returns why the authorizer refused it (a write, a denied function or pragma), or null.
    /// </summary>
    public static string? RefusalWhenPrepared(ReaderPool.Reader reader, string sql, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var db = reader.Connection.Handle!;
        var guard = reader.Guard;
        guard.Arm(db, timeout, cancellationToken);
        try
        {
            raw.sqlite3_prepare_v2(db, Encoding.UTF8.GetBytes(sql), out var statement, out _);
            statement?.Dispose();
            return guard.Denied;
        }
        finally
        {
            guard.ResetDenied();
            guard.Disarm(db);
        }
    }

    /// <summary>Turns a failure of a statement run through Microsoft.Data.Sqlite under an armed guard into the query path's exceptions.</summary>
    public static Exception Translate(Microsoft.Data.Sqlite.SqliteException exception, QueryGuard guard, string sql, TimeSpan timeout, CancellationToken cancellationToken) =>
        Map(exception.SqliteErrorCode, exception.Message, guard, sql, preparing: false, timeout, exception, cancellationToken);

    private static QueryException OutOfMemory(string sql, QueryGuard guard, Exception? inner = null) =>
        new(
            string.Create(CultureInfo.InvariantCulture, $"The query needed more memory than the {guard.MemoryBudget / (1024 * 1024)} MiB the store's agent queries may hold together ({guard.PoolUsedAtRefusal / (1024 * 1024)} MiB were held when it was refused, by this query, others running beside it and cached as-of moments) and was stopped: {Excerpt(sql)}. Narrow it: select fewer or smaller values, add LIMIT, or avoid sorting, grouping or de-duplicating large intermediate results."),
            inner);

    private static QueryException TooBig(string sql, QueryGuard guard, Exception? inner) =>
        new(
            string.Create(CultureInfo.InvariantCulture, $"A value the query computed or a row it read is larger than {guard.ValueCap:N0} bytes, the cap for this query ({WhyCap(guard)}): {Excerpt(sql)}. Select fewer columns or smaller values (substr, json_extract), or read large values in a query of their own."),
            inner);

    /// <summary>Says where the armed query's value cap comes from: the store's cap, or the program's size.</summary>
    private static string WhyCap(QueryGuard guard) =>
        guard.ValueCap < guard.MaxValueBytes
            ? string.Create(CultureInfo.InvariantCulture, $"because its program has {guard.ValueSteps} steps that compute, compare, copy or read values, and together they must fit in {guard.MemoryBudget / 2 / (1024 * 1024)} MiB")
            : "the most any one value may hold";

    private static QueryTimeoutException TimedOut(string sql, TimeSpan timeout) =>
        new(
            string.Create(CultureInfo.InvariantCulture, $"The query ran past its time limit of {timeout.TotalMilliseconds:0} ms and was stopped: {Excerpt(sql)}. Narrow it: filter with WHERE on indexed columns, add LIMIT, aggregate before joining, or avoid joining large resources on unindexed fields."),
            timeout);

    /// <summary>
    /// Sizes the armed query's value cap from its program and returns the program's value-touching steps, or null for an
    /// <c>EXPLAIN</c> (it computes nothing, so it keeps the store's cap).
    /// </summary>
    private static int? FitValueCap(ReaderPool.Reader reader, sqlite3_stmt statement, ReadOnlySpan<byte> sql, string text)
    {
        if (raw.sqlite3_stmt_isexplain(statement) != 0)
        {
            return null;
        }

        int steps;
        try
        {
            steps = ProgramCost.Measure(reader.Connection.Handle!, sql);
        }
        catch (MirrorException) when (reader.Guard.Stopped)
        {
            // Reading the program allocates too: past the deadline, cancelled or out of the pool, the guard refused it.
            throw Map(raw.SQLITE_NOMEM, "out of memory", reader.Guard, text, preparing: true, reader.Guard.Timeout, inner: null, reader.Guard.CancellationToken);
        }

        reader.Guard.Fit(reader.Connection.Handle!, steps, text);
        return steps;
    }

    private static sqlite3_stmt Prepare(sqlite3 db, QueryGuard guard, ReadOnlySpan<byte> sql, string text, out ReadOnlySpan<byte> tail)
    {
        var rc = raw.sqlite3_prepare_v2(db, sql, out var statement, out tail);
        if (rc != raw.SQLITE_OK)
        {
            statement?.Dispose();
            throw Failure(db, guard, rc, text, preparing: true);
        }

        if (statement is null || statement.IsInvalid)
        {
            statement?.Dispose();
            throw new QueryException("The query is empty (only whitespace or comments). Send one SELECT statement.");
        }

        return statement;
    }

    private static void RefuseTail(sqlite3 db, QueryGuard guard, ReadOnlySpan<byte> tail)
    {
        if (tail.IsEmpty || tail.IndexOfAnyExcept(Blank) < 0)
        {
            return;
        }

        // The parser decides whether the rest holds another statement: comments and trailing semicolons do not.
        var rc = raw.sqlite3_prepare_v2(db, tail, out var next, out _);
        var another = rc != raw.SQLITE_OK || (next is not null && !next.IsInvalid);
        next?.Dispose();
        guard.ResetDenied();
        if (another)
        {
            throw new QueryNotReadOnlyException(
                $"The query holds more than one statement (the second begins: {Excerpt(Encoding.UTF8.GetString(tail))}). Send exactly one SELECT per call.");
        }
    }

    private static void Bind(sqlite3_stmt statement, QueryGuard guard, Dictionary<string, object?> parameters)
    {
        var count = raw.sqlite3_bind_parameter_count(statement);
        for (var i = 1; i <= count; i++)
        {
            var name = raw.sqlite3_bind_parameter_name(statement, i).utf8_to_string();
            var bound = QueryParameters.ValueFor(name, i, parameters);
            var rc = bound switch
            {
                null => raw.sqlite3_bind_null(statement, i),
                long l => raw.sqlite3_bind_int64(statement, i, l),
                double d => raw.sqlite3_bind_double(statement, i, d),
                string s => raw.sqlite3_bind_text(statement, i, s),
                byte[] b => raw.sqlite3_bind_blob(statement, i, b),
                _ => raw.SQLITE_MISUSE,
            };
            if (rc == SqliteTooBig)
            {
                var size = bound is string text ? Encoding.UTF8.GetByteCount(text) : ((byte[])bound!).Length;
                throw new QueryException(string.Create(CultureInfo.InvariantCulture, $"The value for parameter {name} is {size:N0} bytes, larger than {guard.ValueCap:N0} bytes, the cap for this query ({WhyCap(guard)}). Pass a smaller value, or use it in a query with fewer columns and expressions."));
            }

            if (rc != raw.SQLITE_OK)
            {
                throw new QueryException($"The value for parameter {name} could not be bound (SQLite error {rc}).");
            }
        }
    }

    /// <summary>
    /// Steps the statement to its end or a cap, counting every row at what <see cref="QueryResult.ToJson"/> writes for it
    /// (compact): its braces, each quoted and escaped <c>"name":</c>, the values as written and the separators, on top of
    /// the envelope, the column list and the freshness entries. A value is read into .NET only once it is known to fit.
    /// </summary>
    private static (string[] Names, List<IReadOnlyDictionary<string, object?>> Rows, bool Truncated) Step(sqlite3 db, QueryGuard guard, sqlite3_stmt statement, string sql, JsonColumnMode[] modes, IReadOnlyList<ResourceFreshness> freshness, TimeSpan timeout, int maxRows, long maxBytes, CancellationToken cancellationToken)
    {
        var columnCount = raw.sqlite3_column_count(statement);
        var names = new string[columnCount];
        var index = new Dictionary<string, int>(columnCount, StringComparer.Ordinal);
        for (var c = 0; c < columnCount; c++)
        {
            var name = raw.sqlite3_column_name(statement, c).utf8_to_string() ?? string.Empty;
            var unique = name;
            for (var n = 2; index.ContainsKey(unique); n++)
            {
                unique = string.Create(CultureInfo.InvariantCulture, $"{name}_{n}");
            }

            names[c] = unique;
            index[unique] = c;
        }

        var total = JsonAnswerSize.Envelope(names, freshness);
        if (total > maxBytes)
        {
            throw new QueryException(string.Create(CultureInfo.InvariantCulture, $"The answer's column names alone take {total:N0} bytes as JSON, more than the byte cap of {maxBytes:N0} bytes, so no row could be returned: {Excerpt(sql)}. Give the columns shorter aliases or select fewer of them."));
        }

        var rowNames = JsonAnswerSize.RowNames(names);
        var rows = new List<IReadOnlyDictionary<string, object?>>();
        var truncated = false;
        while (true)
        {
            var rc = raw.sqlite3_step(statement);
            if (rc == SqliteDone)
            {
                break;
            }

            if (rc != SqliteRow)
            {
                throw Failure(db, guard, rc, sql, preparing: false, timeout, cancellationToken);
            }

            if (rows.Count >= maxRows)
            {
                truncated = true;
                break;
            }

            var values = new object?[columnCount];
            var size = rows.Count == 0 ? rowNames : rowNames + 1;
            for (var c = 0; c < columnCount && total + size <= maxBytes; c++)
            {
                switch (raw.sqlite3_column_type(statement, c))
                {
                    case SqliteInteger:
                        var integer = raw.sqlite3_column_int64(statement, c);
                        size += JsonAnswerSize.Integer(integer);
                        values[c] = integer;
                        break;
                    case SqliteFloat:
                        var real = raw.sqlite3_column_double(statement, c);
                        size += JsonAnswerSize.Real(real);
                        values[c] = real;
                        break;
                    case SqliteText:
                        // For a text value SQLite hands back its UTF-8 bytes, as sqlite3_column_text would.
                        var text = raw.sqlite3_column_blob(statement, c);
                        size += JsonAnswerSize.TextValue(modes[c], text);
                        if (total + size <= maxBytes)
                        {
                            values[c] = Encoding.UTF8.GetString(text);
                        }

                        break;
                    case SqliteBlob:
                        var blob = raw.sqlite3_column_blob(statement, c);
                        size += JsonAnswerSize.Blob(blob.Length);
                        if (total + size <= maxBytes)
                        {
                            values[c] = blob.ToArray();
                        }

                        break;
                    default:
                        size += JsonAnswerSize.Null;
                        break;
                }
            }

            if (total + size > maxBytes)
            {
                truncated = true;
                break;
            }

            total += size;
            rows.Add(new QueryRow(names, index, values));
        }

        return (names, rows, truncated);
    }

    internal static Exception Failure(sqlite3 db, QueryGuard guard, int rc, string sql, bool preparing, TimeSpan timeout = default, CancellationToken cancellationToken = default) =>
        Map(rc, raw.sqlite3_errmsg(db).utf8_to_string(), guard, sql, preparing, timeout, inner: null, cancellationToken);

    /// <summary>Maps a SQLite failure of an agent query, and why the guard stopped it, to the query path's exceptions.</summary>
    private static Exception Map(int rc, string message, QueryGuard guard, string sql, bool preparing, TimeSpan timeout, Exception? inner, CancellationToken cancellationToken)
    {
        // Once the guard has stopped the query, whatever SQLite reports follows from that: an interrupt from the progress
        // handler, or SQLITE_NOMEM (or an I/O error from a temporary file) from an allocation the guard refused.
        if (guard.Cancelled)
        {
            return new OperationCanceledException("The query was cancelled.", inner, cancellationToken);
        }

        if (guard.TimedOut)
        {
            return TimedOut(sql, timeout);
        }

        if (guard.OutOfMemory)
        {
            return OutOfMemory(sql, guard, inner);
        }

        if ((rc & 0xFF) == SqliteTooBig && !preparing)
        {
            return TooBig(sql, guard, inner);
        }

        // SQLite reports most denials as SQLITE_AUTH, but a denied function as a plain SQLITE_ERROR while preparing
        // ("not authorized to use function"); both are refusals.
        if (guard.OutsideMoment is { } outside && ((rc & 0xFF) == SqliteAuth || preparing))
        {
            return new QueryException($"The query was refused: {outside}.");
        }

        if (guard.Denied is { } denied && ((rc & 0xFF) == SqliteAuth || preparing))
        {
            return new QueryNotReadOnlyException($"The query was refused: {denied}. Send a single SELECT that only reads the mirror.");
        }

        // FTS5 reports a MATCH expression it cannot parse when the query runs, as "fts5: syntax error near …".
        if (message.StartsWith("fts5:", StringComparison.Ordinal))
        {
            var invalid = new QueryException($"The full-text search expression given to MATCH is invalid (SQLite: {message}): {Excerpt(sql)}. In MATCH, put words and phrases in double quotes (\"user-agent\"), join them with AND, OR or NOT, end a word with * to match its prefix, and pass the text as a parameter; MirrorStore.SearchAsync takes plain words.", inner);
            invalid.Data[MatchSyntaxReason] = message;
            return invalid;
        }

        var stage = preparing ? "could not be prepared" : "failed while running";
        return new QueryException($"The query {stage} (SQLite error {rc}: {message}): {Excerpt(sql)}. Fix the SQL and send it again.", inner);
    }

    /// <summary>Lists column names for a message, quoted, the first ten of them, each cut to 60 characters.</summary>
    internal static string Columns(IReadOnlyList<string> names)
    {
        var shown = names.Take(10).Select(n => "'" + (n.Length <= 60 ? n : n[..60] + "…") + "'");
        return string.Join(", ", shown) + (names.Count > 10 ? string.Create(CultureInfo.InvariantCulture, $" and {names.Count - 10} more") : string.Empty);
    }

    internal static string Excerpt(string sql)
    {
        var flat = sql.ReplaceLineEndings(" ").Trim();
        return flat.Length <= 200 ? "\"" + flat + "\"" : "\"" + flat[..200] + "…\"";
    }
}
