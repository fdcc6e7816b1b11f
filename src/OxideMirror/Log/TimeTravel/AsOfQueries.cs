using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// Runs agent queries as of a moment for <see cref="AgentQueries"/>: on the leased store reader itself, the store's own
/// code installs the as-of views (<see cref="AsOfViews"/>) with the guard disarmed, once per connection, mode and schema,
/// points them at the query's moment, arms the guard to allow reads of the store's tables only through those
/// views, and runs the query through the same <see cref="QueryRunner.Run{TResult}"/> as a live one (every limit and check
/// of the live path). The views stay for the connection's next as-of query; any other use of the connection drops them
/// first (<see cref="StoreReaders.LeaseAsync(bool, CancellationToken)"/>).
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
    /// <exception cref="MirrorException">The views could not be made or pointed at the moment; the caller retires the reader.</exception>
    public TResult Run<TResult>(ReaderPool.Reader reader, DateTimeOffset asOf, QueryRequest request, QueryRunner.Answer<TResult> answer)
    {
        var views = Install(reader, request.AsOfMode);

        // The inner views alone may read the live and history tables (QueryGuard.AsOfViews): a query that spells their
        // names (a CTE of the same name, say) is refused before it runs, whether or not it could have learnt them.
        if (request.Sql.Contains(views.Nonce, StringComparison.OrdinalIgnoreCase))
        {
            throw new QueryException("The query was refused: it names one of the store's own as-of views. Query the resource tables and mirror_records by their names.");
        }

        views.Moment = Timestamps.Write(asOf);
        QueryException failed;
        try
        {
            reader.Guard.AsOfViews = views.Access;
            return QueryRunner.Run(reader, _catalog, request, answer);
        }
        catch (QueryException ex) when (ex is not (QueryTimeoutException or QueryNotReadOnlyException))
        {
            failed = ex;
        }
        finally
        {
            reader.Guard.AsOfViews = null;
        }

        // SQLite refuses to write a view before the authorizer sees the write ("cannot modify … because it is a view"):
        // the same SQL prepared against the live tables, never run, says whether it was a write, refused as on the live path.
        reader.DropAsOf();
        if (QueryRunner.RefusalWhenPrepared(reader, request.Sql, request.Timeout, request.CancellationToken) is { } refusal)
        {
            throw new QueryNotReadOnlyException($"The query was refused: {refusal}. Send a single SELECT that only reads the mirror.");
        }

        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed);
        throw failed;
    }

    /// <summary>Returns the reader's as-of views for <paramref name="mode"/> at its schema generation, making them first when it has none, or others.</summary>
    private static AsOfViewSet Install(ReaderPool.Reader reader, AsOfMode mode)
    {
        if (reader.AsOf is { } current && current.Mode == mode && current.SchemaGeneration == reader.SchemaGeneration)
        {
            return current;
        }

        reader.DropAsOf();
        var views = AsOfViews.Build(reader.Connection, mode, reader.SchemaGeneration);
        try
        {
            reader.RunTrusted(views.Create);
        }
        catch (MirrorException)
        {
            // Some of them may exist: marked installed, they are dropped (IF EXISTS) should the connection be used again.
            reader.AsOf = views;
            throw;
        }

        reader.AsOf = views;
        return views;
    }
}
