namespace OxideMirror.Cli.Commands;

/// <summary>
/// Brings the mirror's search indexes to what the configuration's <c>Search</c> section declares: creates each missing
/// one once its resource has been synced, and rebuilds one whose fields changed. Indexes the section does not name are
/// left alone.
/// </summary>
internal static class SearchIndexSetup
{
    /// <summary>Ensures the declared indexes of the resources synced so far; returns the resources still waiting for their first sync.</summary>
    /// <exception cref="CommandFailedException">A declared field cannot be indexed (the message names the key).</exception>
    public static async Task<IReadOnlyList<string>> EnsureAsync(MirrorStore store, IReadOnlyDictionary<string, IReadOnlyList<string>> declared, CancellationToken cancellationToken)
    {
        if (declared.Count == 0)
        {
            return [];
        }

        var synced = (await store.ListResourcesAsync(cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var existing = (await store.ListSearchIndexesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(i => i.Resource, StringComparer.Ordinal);
        var waiting = new List<string>();
        foreach (var (resource, fields) in declared)
        {
            if (!synced.Contains(resource))
            {
                waiting.Add(resource);
                continue;
            }

            if (existing.TryGetValue(resource, out var index))
            {
                if (index.Fields.SequenceEqual(fields, StringComparer.Ordinal))
                {
                    continue;
                }

                await store.DropSearchIndexAsync(resource, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await store.CreateSearchIndexAsync(resource, fields, cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException e)
            {
                throw new CommandFailedException(ExitCodes.Failed, "search_index", $"Search:{resource} in the configuration cannot be indexed: {e.Message}");
            }
        }

        return waiting;
    }
}
