using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace OxideMirror;

/// <summary>
/// The locks that keep two syncs of one source into one store from overlapping, whichever <see cref="Syncer"/> runs
/// them: one lock per writer (a store hands out one) and source id, kept for as long as the writer is alive.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal static class SourceLocks
{
    private static readonly ConditionalWeakTable<MirrorWriter, ConcurrentDictionary<string, SemaphoreSlim>> Stores = new();

    /// <summary>Gets the lock of <paramref name="sourceId"/>'s syncs into <paramref name="writer"/>.</summary>
    public static SemaphoreSlim For(MirrorWriter writer, string sourceId) =>
        Stores.GetValue(writer, static _ => new ConcurrentDictionary<string, SemaphoreSlim>(StringComparer.Ordinal))
            .GetOrAdd(sourceId, static _ => new SemaphoreSlim(1, 1));
}
