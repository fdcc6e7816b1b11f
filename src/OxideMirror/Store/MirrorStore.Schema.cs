namespace OxideMirror;

public sealed partial class MirrorStore
{
    /// <summary>
    /// Creates an index on a resource's field, so that a point lookup or a join on that field is an index seek rather
    /// than a scan. Idempotent: an existing index is kept. The change is recorded in <c>mirror_schema_changes</c>, and
    /// <see cref="DescribeAsync"/> lists indexed columns as preferred join keys.
    /// </summary>
    /// <param name="resource">The resource, for example <c>invoices</c>.</param>
    /// <param name="field">A top-level payload key (for example <c>customer_id</c>) or a column of the resource's table.</param>
    /// <param name="cancellationToken">A token to cancel before the index is built.</param>
    /// <returns>The index's name.</returns>
    /// <exception cref="ArgumentException"><paramref name="resource"/> or <paramref name="field"/> is empty, or the resource has no such field.</exception>
    /// <exception cref="MirrorException">The resource has never been synced.</exception>
    /// <exception cref="MirrorStorageException">The file cannot be written (read-only, disk full, or locked by another process past <see cref="MirrorStoreOptions.BusyTimeout"/>); no index was created and the store stays usable.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public async Task<string> CreateIndexAsync(string resource, string field, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        ArgumentException.ThrowIfNullOrWhiteSpace(field);
        return await _write.CreateIndexAsync(resource, field, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Describes the mirror as an agent needs it: every resource's table with its columns, inferred types, null rates and
    /// example values, row counts, indexes, likely join keys between resources, the internal tables worth knowing, and
    /// the query limits. <see cref="MirrorDescription.ToMarkdown"/> renders it compactly for a prompt.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The description.</returns>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    /// <remarks>
    /// Row counts are exact and kept, not counted: each batch's commit adds the rows it gained and lost to
    /// <c>mirror_resources.row_count</c>. Types, null rates, examples and join keys are inferred from a sample of each table
    /// (up to 1,000 rows); a join key's sampled values are looked up in all of the target column when it is indexed (or is
    /// <c>record_id</c>), else in its first 5,000 rows. So the description's cost is bounded by those samples, not by the
    /// number of records.
    /// </remarks>
    public async Task<MirrorDescription> DescribeAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        using var lease = await LeaseReaderAsync(cancellationToken).ConfigureAwait(false);
        return Describer.Describe(lease.Reader.Connection, _catalog, _options, cancellationToken);
    }
}
