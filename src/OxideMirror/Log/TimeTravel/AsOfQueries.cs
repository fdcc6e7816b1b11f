using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// Runs agent queries as of a moment for <see cref="AgentQueries"/>: on the leased store reader itself, the store's own
/// code creates the moment's views (<see cref="AsOfViews"/>) with the guard disarmed, arms the guard to allow reads of
/// the store's tables only through those views, runs the query through the same <see cref="QueryRunner.Run{TResult}"/>
/// as a live one (every limit and check of the live path), and drops the views again.
/// </summary>
/// <remarks>Thread-safe: each query runs on its own leased reader, and the views live in that connection's temp schema.</remarks>
internal sealed class AsOfQueries
{
    private readonly Catalog _catalog;

    public AsOfQueries(Catalog catalog)
    {
        _catalog = catalog;
    }

    /// <summary>Runs an agent query, typed or not, against the mirror as it was at <paramref name="asOf"/>, on <paramref name="reader"/>.</summary>
    /// <exception cref="MirrorException">The views could not be created or dropped; the caller retires the reader.</exception>
    public TResult Run<TResult>(ReaderPool.Reader reader, DateTimeOffset asOf, QueryRequest request, QueryRunner.Answer<TResult> answer)
    {
        var (create, drop, access) = AsOfViews.Build(reader.Connection, Timestamps.Write(asOf), request.AsOfMode);
        QueryException failed;
        try
        {
            RunTrusted(reader, create);
            reader.Guard.AsOfViews = access;
            return QueryRunner.Run(reader, _catalog, request, answer);
        }
        catch (QueryException ex) when (ex is not (QueryTimeoutException or QueryNotReadOnlyException))
        {
            failed = ex;
        }
        finally
        {
            reader.Guard.AsOfViews = null;
            RunTrusted(reader, drop);
        }

        // SQLite refuses to write a view before the authorizer sees the write ("cannot modify … because it is a view"):
        // the same SQL prepared against the live tables, never run, says whether it was a write, refused as on the live path.
        if (QueryRunner.RefusalWhenPrepared(reader, request.Sql, request.Timeout, request.CancellationToken) is { } refusal)
        {
            throw new QueryNotReadOnlyException($"The query was refused: {refusal}. Send a single SELECT that only reads the mirror.");
        }

        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed);
        throw failed;
    }

    /// <summary>
    /// Runs the store's own statements on a query connection: lets them past the authorizer and <c>query_only</c> (which
    /// also covers the temp schema), and puts both back whatever happens.
    /// </summary>
    private static void RunTrusted(ReaderPool.Reader reader, List<string> statements)
    {
        var guard = reader.Guard;
        using var command = reader.Connection.CreateCommand();
        guard.Trusted = true;
        try
        {
            command.CommandText = "PRAGMA query_only = 0";
            command.ExecuteNonQuery();
            foreach (var statement in statements)
            {
                command.CommandText = statement;
                command.ExecuteNonQuery();
            }
        }
        catch (SqliteException ex)
        {
            throw new MirrorException($"Could not prepare the mirror's as-of views on a query connection (SQLite error {ex.SqliteErrorCode}: {ex.Message}); the connection was retired. Retry the query.", ex);
        }
        finally
        {
            try
            {
                command.CommandText = "PRAGMA query_only = 1";
                command.ExecuteNonQuery();
            }
            finally
            {
                guard.Trusted = false;
            }
        }
    }
}
