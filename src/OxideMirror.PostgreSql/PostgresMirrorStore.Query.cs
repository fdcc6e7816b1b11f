using System.Data;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace OxideMirror.PostgreSql;

public sealed partial class PostgresMirrorStore
{
    /// <summary>
    /// Creates (or updates) the agent role and its grants by the script that ships with the package
    /// (<c>Scripts/agent_role.sql</c>): a login role that can only <c>SELECT</c> the resource tables and the documented
    /// <c>mirror_</c> tables, read-only by default, with the store's time, memory and temporary-file bounds. Run it as the
    /// mirror's owner (a superuser sets <c>temp_file_limit</c> for the role too); safe to run again.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>A task that completes when the role and its grants are committed.</returns>
    /// <exception cref="MirrorStorageException">The connection's role may not create roles or grant on the schema.</exception>
    public async Task EnsureAgentRoleAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync("creating the agent role", cancellationToken).ConfigureAwait(false);
        var password = _options.AgentPassword is { } p ? "'" + p.Replace("'", "''", StringComparison.Ordinal) + "'" : "NULL";
        var script = PgMigrator.Script("agent_role.sql")
            .Replace("{schema_name}", Schema, StringComparison.Ordinal)
            .Replace("{schema}", _q, StringComparison.Ordinal)
            .Replace("{role_ident}", PgNames.Quote(AgentRole), StringComparison.Ordinal)
            .Replace("{role}", AgentRole, StringComparison.Ordinal)
            .Replace("{password}", password, StringComparison.Ordinal)
            .Replace("{database}", PgNames.Quote(connection.Database), StringComparison.Ordinal)
            .Replace("{statement_timeout_ms}", ((long)_options.QueryTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{work_mem_kb}", _options.QueryWorkMemKb.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{temp_file_limit_kb}", _options.QueryTempFileLimitKb.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await PgSql.ExecuteAsync(connection, transaction, script, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            throw Failure(ex, $"creating the agent role '{AgentRole}' (run EnsureAgentRoleAsync as the mirror's owner, with CREATEROLE or as a superuser)");
        }
    }

    /// <summary>
    /// Runs one read-only statement an agent wrote and returns its rows, bounded: as the agent role (SELECT on the mirror's
    /// tables only), in a <c>READ ONLY</c> transaction with <c>statement_timeout</c>, <c>lock_timeout</c> and
    /// <c>work_mem</c> set for it, a client-side cancel at the time limit, rows streamed and cut at the row and byte caps.
    /// </summary>
    /// <param name="sql">One <c>SELECT</c> (or <c>WITH … SELECT</c>, <c>VALUES</c>, <c>TABLE</c>); parameters as <c>@name</c> or <c>:name</c>.</param>
    /// <param name="parameters">The parameters' values (an anonymous object or a dictionary), or <see langword="null"/>.</param>
    /// <param name="options">This call's limits, or <see langword="null"/> for the store's; <see cref="QueryOptions.AsOf"/> is not available on this store yet.</param>
    /// <param name="cancellationToken">A token to cancel the query (the server is told to stop it).</param>
    /// <returns>The rows, with <see cref="QueryResult.Truncated"/> set when a cap cut them short.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sql"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit in <paramref name="options"/> is not positive.</exception>
    /// <exception cref="QueryNotReadOnlyException">The SQL is not one read-only statement, or reaches for something the agent role may not use; nothing changed.</exception>
    /// <exception cref="QueryTimeoutException">The query ran past its time limit and was stopped.</exception>
    /// <exception cref="QueryException">The SQL is invalid, failed, broke a memory or disk limit, or the agent role cannot log in.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<QueryResult> QueryAsync(string sql, object? parameters = null, QueryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sql);
        if (options?.AsOf is { } asOf)
        {
            throw new QueryException($"The query asks for the mirror as of {asOf:O}, but the PostgreSQL store does not keep record versions for time travel yet. Query the mirror as it is now (leave QueryOptions.AsOf unset).");
        }

        var timeout = options?.Timeout ?? _options.QueryTimeout;
        var maxRows = options?.MaxRows ?? _options.MaxQueryRows;
        var maxBytes = options?.MaxBytes ?? _options.MaxQueryBytes;
        if (timeout <= TimeSpan.Zero || timeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), timeout, "QueryOptions.Timeout must be more than zero and at most one hour.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1, "options.MaxRows");
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1, "options.MaxBytes");

        var values = QueryParameterSet.Read(parameters);
        var bound = new List<string>();
        var text = AgentSql.Rewrite(sql, values, bound);
        var first = AgentSql.FirstWord(text);
        if (first is not ("select" or "with" or "values" or "table"))
        {
            throw new QueryNotReadOnlyException($"The query is a{(first.Length > 0 && "aeiou".Contains(first[0], StringComparison.Ordinal) ? "n" : string.Empty)} {(first.Length == 0 ? "statement that does not start with a key word" : first.ToUpperInvariant() + " statement")}, which does not only read the mirror: {Excerpt(sql)}. Send a single SELECT (or WITH … SELECT, VALUES, TABLE). Nothing ran.");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // The server stops the statement at statement_timeout; the client cancels shortly after, should the agent's SQL
        // have changed its own timeout (set_config) or the server not answer.
        deadline.CancelAfter(timeout + TimeSpan.FromMilliseconds(250));
        try
        {
            return await RunAsync(text, bound, values, timeout, maxRows, maxBytes, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(sql, timeout, ex);
        }
        catch (PostgresException ex)
        {
            throw Map(ex, sql, timeout, cancellationToken);
        }
        catch (NpgsqlException ex) when (ex.InnerException is PostgresException pg)
        {
            throw Map(pg, sql, timeout, cancellationToken);
        }
        catch (NpgsqlException ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(sql, timeout, ex);
        }
        catch (NpgsqlException ex)
        {
            throw new QueryException($"The PostgreSQL server could not be reached, or dropped the connection, while running the query ({ex.Message}): {Excerpt(sql)}. Check that the server is up and the agent connection string is right, then send it again.", ex);
        }
    }

    private async Task<QueryResult> RunAsync(string text, List<string> bound, IReadOnlyDictionary<string, object?> values, TimeSpan timeout, int maxRows, long maxBytes, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection;
        try
        {
            connection = await _agent.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState.StartsWith("28", StringComparison.Ordinal) || ex.SqlState == "3D000")
        {
            throw new QueryException($"Agent queries run as the role '{AgentRole}', which cannot log in ({ex.SqlState}: {ex.MessageText}). Create it with PostgresMirrorStore.EnsureAgentRoleAsync (as the mirror's owner), or set PostgresMirrorStoreOptions.AgentConnectionString.", ex);
        }

        await using (connection.ConfigureAwait(false))
        {
            try
            {
                return await RunOnAsync(connection, text, bound, values, timeout, maxRows, maxBytes, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await ResetAsync(connection).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Clears everything an agent's statement could have left on its pooled session — settings changed with
    /// <c>set_config(…, false)</c>, session advisory locks, <c>LISTEN</c>s, prepared statements, temporary objects — before
    /// the connection goes back to the pool: <c>DISCARD ALL</c>, now rather than with the session's next use, so no lock
    /// an agent took outlives its query. A session that cannot be reset is not reused.
    /// </summary>
    private static async Task ResetAsync(NpgsqlConnection connection)
    {
        if (connection.FullState != ConnectionState.Open)
        {
            return; // broken: Npgsql does not pool it
        }

        try
        {
            await using var discard = new NpgsqlCommand("DISCARD ALL", connection) { CommandTimeout = 5 };
            await discard.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // Drop the pool's idle sessions, this one with them, rather than hand it to the next agent uncleaned.
            NpgsqlConnection.ClearPool(connection);
        }
    }

    /// <summary>Runs one agent statement on <paramref name="connection"/>, in a read-only, bounded transaction.</summary>
    private async Task<QueryResult> RunOnAsync(NpgsqlConnection connection, string text, List<string> bound, IReadOnlyDictionary<string, object?> values, TimeSpan timeout, int maxRows, long maxBytes, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var ms = ((long)Math.Ceiling(timeout.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
        await PgSql.ExecuteAsync(connection, transaction,
            $"SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = {ms}; SET LOCAL lock_timeout = {ms}; SET LOCAL idle_in_transaction_session_timeout = {ms}; " +
            $"SET LOCAL work_mem = {_options.QueryWorkMemKb.ToString(CultureInfo.InvariantCulture)}; SET LOCAL search_path = {_q}",
            cancellationToken).ConfigureAwait(false);

        await using var command = new NpgsqlCommand(text, connection, transaction)
        {
            // Every value comes back as text, read in bounded chunks and typed here: no value is materialised whole
            // before it is known to fit the byte cap, whatever its type.
            AllResultTypesAreUnknown = true,
            CommandTimeout = 0,
        };
        foreach (var name in bound)
        {
            command.Parameters.Add(Parameter(name, values[name]));
        }

        if (bound.Count == 0)
        {
            // With positional parameters Npgsql sends the SQL as it is (no rewriting, no splitting on ';'): the
            // server then parses exactly one statement. An unused typed parameter keeps that true for SQL without any.
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = 0 });
        }

        var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        var stoppedEarly = false;
        try
        {
            var names = new string[reader.FieldCount];
            var oids = new uint[reader.FieldCount];
            var json = new bool[reader.FieldCount];
            for (var c = 0; c < names.Length; c++)
            {
                names[c] = reader.GetName(c);
                oids[c] = reader.GetDataTypeOID(c);
                json[c] = oids[c] is JsonOid or JsonbOid;
            }

            var builder = new QueryResultBuilder(names, json, maxRows, maxBytes);
            var buffer = new char[4096];
            while (!stoppedEarly && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var row = new object?[names.Length];
                for (var c = 0; c < names.Length; c++)
                {
                    if (await reader.IsDBNullAsync(c, cancellationToken).ConfigureAwait(false))
                    {
                        continue;
                    }

                    var valueText = await ReadBoundedAsync(reader, c, builder.RemainingBytes, buffer, cancellationToken).ConfigureAwait(false);
                    if (valueText is null)
                    {
                        builder.MarkTruncated();
                        stoppedEarly = true;
                        break;
                    }

                    row[c] = Typed(oids[c], valueText);
                }

                if (!stoppedEarly && !builder.TryAdd(row))
                {
                    stoppedEarly = true;
                }
            }

            return builder.Build();
        }
        finally
        {
            if (stoppedEarly)
            {
                // Closing the reader would read every remaining row from the server: stop the statement first.
                try
                {
                    command.Cancel();
                }
                catch (NpgsqlException)
                {
                    // The statement had ended; closing the reader reads the little that is left.
                }
            }

            try
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }
            catch (PostgresException) when (stoppedEarly)
            {
                // The cancel we sent.
            }
            catch (OperationCanceledException) when (stoppedEarly)
            {
                // The cancel we sent.
            }
        }
    }

    private const uint JsonOid = 114;
    private const uint JsonbOid = 3802;

    /// <summary>Reads a column's text, or returns null once it is longer than <paramref name="limit"/> characters (it cannot fit).</summary>
    private static async Task<string?> ReadBoundedAsync(NpgsqlDataReader reader, int ordinal, long limit, char[] buffer, CancellationToken cancellationToken)
    {
        using var text = await reader.GetTextReaderAsync(ordinal, cancellationToken).ConfigureAwait(false);
        var builder = new System.Text.StringBuilder();
        int read;
        while ((read = await text.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (builder.Length + read > limit)
            {
                return null;
            }

            builder.Append(buffer, 0, read);
        }

        return builder.ToString();
    }

    /// <summary>Types a value PostgreSQL sent as text: integers as long, floats as double, numeric as long or double, booleans as 1/0 (as SQLite has them), bytea as bytes, the rest as text.</summary>
    private static object? Typed(uint oid, string text) => oid switch
    {
        20 or 21 or 23 or 26 => long.Parse(text, CultureInfo.InvariantCulture),
        700 or 701 => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        1700 when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
        1700 when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        16 => text == "t" ? 1L : 0L,
        17 when text.StartsWith("\\x", StringComparison.Ordinal) => Convert.FromHexString(text.AsSpan(2)),
        _ => text,
    };

    private static NpgsqlParameter Parameter(string name, object? value) => value switch
    {
        null or DBNull => new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
        System.Text.Json.JsonElement element => element.ValueKind switch
        {
            System.Text.Json.JsonValueKind.String => new NpgsqlParameter { Value = element.GetString()! },
            System.Text.Json.JsonValueKind.Number when element.TryGetInt64(out var l) => new NpgsqlParameter { Value = l },
            System.Text.Json.JsonValueKind.Number => new NpgsqlParameter { Value = element.GetDouble() },
            System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => new NpgsqlParameter { Value = element.GetBoolean() },
            System.Text.Json.JsonValueKind.Null or System.Text.Json.JsonValueKind.Undefined => new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            _ => new NpgsqlParameter { Value = element.GetRawText(), NpgsqlDbType = NpgsqlDbType.Jsonb },
        },
        string or bool or short or int or long or float or double or decimal or byte[] or Guid or DateTimeOffset or DateOnly => new NpgsqlParameter { Value = value },
        DateTime dt => new NpgsqlParameter { Value = dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt.ToUniversalTime() },
        byte or sbyte or ushort => new NpgsqlParameter { Value = Convert.ToInt32(value, CultureInfo.InvariantCulture) },
        uint u => new NpgsqlParameter { Value = (long)u },
        Enum e => new NpgsqlParameter { Value = Convert.ToInt64(e, CultureInfo.InvariantCulture) },
        _ => throw new ArgumentException($"Query parameter '{name}' has type {value.GetType().Name}, which cannot be bound. Pass a string, number, boolean, date, Guid, byte array, JsonElement or null.", nameof(value)),
    };

    private static QueryTimeoutException TimedOut(string sql, TimeSpan timeout, Exception? inner = null) =>
        new(string.Create(CultureInfo.InvariantCulture, $"The query ran past its time limit of {timeout.TotalSeconds:0.###} s and was stopped: {Excerpt(sql)}. Narrow it (a WHERE on an indexed column, fewer joins, a LIMIT) or raise QueryOptions.Timeout."), timeout);

    private static Exception Map(PostgresException ex, string sql, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (ex.SqlState == "57014")
        {
            return cancellationToken.IsCancellationRequested
                ? new OperationCanceledException("The query was cancelled.", ex, cancellationToken)
                : TimedOut(sql, timeout, ex);
        }

        if (ex.SqlState is "25006" or "42501" || (ex.SqlState == "42601" && ex.MessageText.Contains("multiple commands", StringComparison.Ordinal)))
        {
            return new QueryNotReadOnlyException($"The query was refused (PostgreSQL {ex.SqlState}: {ex.MessageText}): {Excerpt(sql)}. Send a single SELECT that only reads the mirror's tables. Nothing changed.");
        }

        if (ex.SqlState is "53400" or "53200" or "54000" or "53100")
        {
            return new QueryException($"The query broke a server limit (PostgreSQL {ex.SqlState}: {ex.MessageText}): {Excerpt(sql)}. It may use at most {"work_mem"} of memory per sort or hash and the agent role's temp_file_limit of disk: aggregate more, select fewer or shorter values, or add a LIMIT.", ex);
        }

        if (ex.SqlState == "55P03")
        {
            return new QueryException($"The query waited past its time limit for a table a sync was changing (PostgreSQL {ex.SqlState}: {ex.MessageText}): {Excerpt(sql)}. Send it again.", ex);
        }

        return new QueryException($"The query failed (PostgreSQL {ex.SqlState}: {ex.MessageText}): {Excerpt(sql)}. Fix the SQL and send it again.", ex);
    }

    private static string Excerpt(string sql)
    {
        var flat = sql.ReplaceLineEndings(" ").Trim();
        return flat.Length <= 200 ? "\"" + flat + "\"" : "\"" + flat[..200] + "…\"";
    }
}
