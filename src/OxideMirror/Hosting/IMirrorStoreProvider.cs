namespace OxideMirror.Hosting;

/// <summary>
/// Gives a host's services the mirror's store and syncer. The store opens asynchronously, so the container holds this
/// provider rather than the store: the first call opens it (once), later calls return the same instances.
/// </summary>
public interface IMirrorStoreProvider
{
    /// <summary>Gets the SQL dialect the mirror's reader runs, known before the store opens.</summary>
    QueryDialect Dialect { get; }

    /// <summary>Gets the optional reads the mirror's reader serves, known before the store opens.</summary>
    MirrorReaderCapabilities Capabilities { get; }

    /// <summary>Gets the SQLite store, opening it on the first call.</summary>
    /// <param name="cancellationToken">A token to stop waiting for the store to open.</param>
    /// <returns>The store, shared by every caller.</returns>
    /// <exception cref="InvalidOperationException">The mirror is kept by another store (<see cref="OxideMirrorOptions.UseStore"/>); read it through <see cref="GetReaderAsync"/>.</exception>
    ValueTask<MirrorStore> GetStoreAsync(CancellationToken cancellationToken = default);

    /// <summary>Gets the mirror's reader side, whichever store keeps it, opening the store on the first call.</summary>
    /// <param name="cancellationToken">A token to stop waiting for the store to open.</param>
    /// <returns>The reader, shared by every caller.</returns>
    ValueTask<MirrorReader> GetReaderAsync(CancellationToken cancellationToken = default);

    /// <summary>Gets the syncer with every configured source added, opening the store on the first call.</summary>
    /// <param name="cancellationToken">A token to stop waiting for the store to open.</param>
    /// <returns>The syncer, shared by every caller.</returns>
    ValueTask<Syncer> GetSyncerAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits until the background sync's first run of a source has finished — every page of it committed, or the run
    /// failed — and returns that run's report. Read the mirror after this, not while the first sync is half-way.
    /// </summary>
    /// <param name="sourceId">The source's id.</param>
    /// <param name="cancellationToken">A token to stop waiting; it does not stop the sync.</param>
    /// <returns>
    /// The first run's report, also when that run failed: then <see cref="SyncReport.Succeeded"/> is false,
    /// <see cref="SyncReport.Error"/> holds the failure, the pages committed before it stay, and the background sync
    /// retries after its backoff (a later success does not change this report). A first run that
    /// <see cref="SyncerOptions.MaxPagesPerSync"/> stopped early counts as finished. Called after the first run, it
    /// returns at once.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="sourceId"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><see cref="OxideMirrorOptions.EnableBackgroundSync"/> is false, so no background run will come.</exception>
    /// <exception cref="UnknownSourceException">No source with that id is configured.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled, or the host stopped the background sync before the run finished.</exception>
    Task<SyncReport> WhenSyncedAsync(string sourceId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits until the background sync's first run of every configured source has finished, and returns their reports;
    /// see <see cref="WhenSyncedAsync"/> for what a finished run is and how a failed one is reported.
    /// </summary>
    /// <param name="cancellationToken">A token to stop waiting; it does not stop the syncs.</param>
    /// <returns>One report per source, in id order; check each one's <see cref="SyncReport.Succeeded"/>.</returns>
    /// <exception cref="InvalidOperationException"><see cref="OxideMirrorOptions.EnableBackgroundSync"/> is false, so no background run will come.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled, or the host stopped the background sync before every first run finished.</exception>
    Task<IReadOnlyList<SyncReport>> WhenAllSyncedAsync(CancellationToken cancellationToken = default);
}
