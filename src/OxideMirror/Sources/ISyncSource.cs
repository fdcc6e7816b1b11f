using System.Runtime.CompilerServices;

namespace OxideMirror;

/// <summary>
/// Pulls changes from one remote service, a page at a time, from an opaque cursor.
/// Generated API clients implement this interface; the syncer drives it.
/// </summary>
/// <remarks>
/// <para>
/// The cursor is the source's own bookmark: the syncer stores the <see cref="PullResult.NextCursor"/> of each
/// page in the same transaction as the page's changes and hands it back on the next pull, so a restart resumes
/// after the last committed page. A page may therefore be pulled more than once, and must then yield the same changes.
/// </para>
/// <para>
/// A source never holds the store. When a service cannot say what was deleted, but a source can list a resource in full,
/// the last page of each full pass says so in <see cref="PullResult.CompletedPasses"/>, with every id the pass listed;
/// the syncer then deletes the records of that resource that this source wrote last and the pass did not list, in the
/// page's transaction. Report only passes this instance saw from their first page.
/// </para>
/// </remarks>
public interface ISyncSource
{
    /// <summary>Gets the source's id, unique within a syncer, for example <c>"stripe"</c>.</summary>
    string Id { get; }

    /// <summary>Pulls the next page of changes after <paramref name="cursor"/>.</summary>
    /// <param name="cursor">The cursor returned with the previous page, or <see langword="null"/> to start from the beginning.</param>
    /// <param name="cancellationToken">A token to cancel the pull.</param>
    /// <returns>The page's changes, the cursor after them, and whether more pages follow.</returns>
    Task<PullResult> PullAsync(string? cursor, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams changes after <paramref name="cursor"/> as they happen. The default implementation does one
    /// <see cref="PullAsync"/> and yields its changes; sources with a push channel (webhooks, change streams) override it.
    /// </summary>
    /// <param name="cursor">Where to start, or <see langword="null"/> for the beginning.</param>
    /// <param name="cancellationToken">A token that ends the stream.</param>
    /// <returns>The changes, in order.</returns>
    async IAsyncEnumerable<Delta> SubscribeAsync(string? cursor, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var page = await PullAsync(cursor, cancellationToken).ConfigureAwait(false);
        foreach (var delta in page.Deltas)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return delta;
        }
    }
}
