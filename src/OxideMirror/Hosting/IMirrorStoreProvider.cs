namespace OxideMirror;

/// <summary>
/// Gives a host's services the mirror's store and syncer. The store opens asynchronously, so the container holds this
/// provider rather than the store: the first call opens it (once), later calls return the same instances.
/// </summary>
public interface IMirrorStoreProvider
{
    /// <summary>Gets the store, opening it on the first call.</summary>
    /// <param name="cancellationToken">A token to stop waiting for the store to open.</param>
    /// <returns>The store, shared by every caller.</returns>
    ValueTask<MirrorStore> GetStoreAsync(CancellationToken cancellationToken = default);

    /// <summary>Gets the syncer with every configured source added, opening the store on the first call.</summary>
    /// <param name="cancellationToken">A token to stop waiting for the store to open.</param>
    /// <returns>The syncer, shared by every caller.</returns>
    ValueTask<Syncer> GetSyncerAsync(CancellationToken cancellationToken = default);
}
