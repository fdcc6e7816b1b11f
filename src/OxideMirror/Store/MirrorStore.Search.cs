namespace OxideMirror;

public sealed partial class MirrorStore
{
    /// <summary>
    /// Creates a full-text search index over some of a resource's fields: an FTS5 table named after the resource's table
    /// with <c>_fts</c> (<c>issues_fts</c>), which agent SQL reads with <c>MATCH</c>, <c>bm25()</c>, <c>snippet()</c> and
    /// <c>highlight()</c> and <see cref="SearchAsync"/> ranks records with. It is filled from the resource's current
    /// records now, then kept in the transaction of every page that changes them, and by
    /// <see cref="RebuildRecordsAsync"/> and <see cref="CompactAsync"/>. Idempotent: the same fields, in any order, return
    /// the existing index.
    /// </summary>
    /// <param name="resource">The resource, for example <c>issues</c>; it must have been synced.</param>
    /// <param name="fields">The top-level payload keys to search (or their columns' names), for example <c>["title", "body"]</c>; each must be a column of the resource's table already.</param>
    /// <param name="cancellationToken">A token to cancel before the index is built.</param>
    /// <returns>The index.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> or <paramref name="fields"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="resource"/> is empty, <paramref name="fields"/> is empty or holds an empty entry, a field is not a payload key of the resource, is listed twice, or is read through a column FTS5 reserves (<c>rank</c>).</exception>
    /// <exception cref="MirrorException">The resource has never been synced, or it already has a search index on other fields (drop it first); nothing was changed.</exception>
    /// <exception cref="MirrorStorageException">The file cannot be written (read-only, disk full, or locked by another process past <see cref="MirrorStoreOptions.BusyTimeout"/>); no index was created and the store stays usable.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the index was built.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<SearchIndex> CreateSearchIndexAsync(string resource, IReadOnlyList<string> fields, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        ThrowIfDisposed();
        return SearchIndexes.CreateAsync(_write, resource, fields, cancellationToken);
    }

    /// <summary>Drops a resource's search index: its FTS5 table and the triggers that keep it. The resource's records are untouched.</summary>
    /// <param name="resource">The resource whose index to drop.</param>
    /// <param name="cancellationToken">A token to cancel before the index is dropped.</param>
    /// <returns><see langword="true"/> if the resource had a search index; <see langword="false"/> if it had none (nothing changed).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="resource"/> is empty.</exception>
    /// <exception cref="MirrorStorageException">The file cannot be written; the index was kept and the store stays usable.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the index was dropped.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<bool> DropSearchIndexAsync(string resource, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        ThrowIfDisposed();
        return SearchIndexes.DropAsync(_write, resource, cancellationToken);
    }

    /// <summary>Lists the store's search indexes, by resource name.</summary>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The indexes, as of the last committed change to them.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<IReadOnlyList<SearchIndex>> ListSearchIndexesAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_catalog.Search.Indexes);
    }

    /// <summary>
    /// Searches a resource's search index and returns the matching records best first (by <c>bm25()</c>), each with a
    /// snippet of its matching text. The query is written by OxideMirror and runs through the same entry point as
    /// <see cref="QueryAsync(string, object?, QueryOptions?, CancellationToken)"/>, under the same sandbox, time limit,
    /// memory pool, row cap and byte cap; the text is bound as a parameter. By default (<see cref="SearchMode.AllWords"/>)
    /// the text is plain words, each searched as a quoted phrase, so text a model wrote cannot be a syntax error.
    /// </summary>
    /// <param name="resource">The resource to search; it must have a search index (<see cref="CreateSearchIndexAsync"/>).</param>
    /// <param name="text">The words to search for, for example <c>login timeout</c>; with <see cref="SearchMode.Fts5"/>, an FTS5 query.</param>
    /// <param name="options">The mode, the number of hits and the limits, or <see langword="null"/> for 20 hits of all the words under the store's limits.</param>
    /// <param name="cancellationToken">A token that interrupts the search inside SQLite.</param>
    /// <returns>The hits, best first.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> or <paramref name="text"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="resource"/> or <paramref name="text"/> is empty or white space, or <paramref name="text"/> holds a NUL character.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="MirrorException">The resource has no search index.</exception>
    /// <exception cref="QueryTimeoutException">The search ran past its time limit and was stopped.</exception>
    /// <exception cref="QueryException">The search failed: with <see cref="SearchMode.Fts5"/>, the text is not a valid FTS5 query (the message says how to fix it); or it needed more than the query memory pool.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public async Task<SearchResult> SearchAsync(string resource, string text, SearchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        ThrowIfDisposed();
        var index = _catalog.Search.ForResource(resource) ?? throw SearchIndexes.NotIndexed(resource, _catalog.Search);
        var (sql, parameters, limits) = SearchQuery.Compose(index, text, options, _options);
        if (sql is null)
        {
            return new SearchResult([], false, []);
        }

        try
        {
            var rows = await RunQueryAsync(sql, parameters, limits, QueryRunner.Rows, cancellationToken).ConfigureAwait(false);
            return SearchQuery.Hits(rows);
        }
        catch (QueryException ex) when (ex.Data[QueryRunner.MatchSyntaxReason] is string)
        {
            // The query is OxideMirror's own, so the caller's text is what to name, not that SQL.
            throw SearchQuery.InvalidFts5(text, ex);
        }
    }
}
