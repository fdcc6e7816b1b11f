using System.Text.Json;

namespace OxideMirror.Tests;

/// <summary>Builds payloads nested a given number of levels deep, and finds the deepest one a store accepts.</summary>
internal static class DeepJson
{
    /// <summary>Returns <c>{"a":{"a":…1…}}</c> with <paramref name="levels"/> objects, as compact text.</summary>
    public static string Text(int levels) => string.Concat(Enumerable.Repeat("{\"a\":", levels)) + "1" + new string('}', levels);

    /// <summary>Returns <see cref="Text"/> parsed into a detached element (read with a depth well above any limit).</summary>
    public static JsonElement Element(int levels)
    {
        using var document = JsonDocument.Parse(Text(levels), new JsonDocumentOptions { MaxDepth = 1000 });
        return document.RootElement.Clone();
    }

    /// <summary>
    /// Finds the deepest payload <see cref="MirrorStore.ApplyAsync"/> accepts by trying deeper ones on a store of its own,
    /// so that a test of the read paths follows the store's rule rather than restating it.
    /// </summary>
    public static async Task<int> DeepestAcceptedAsync()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        for (var levels = 1; levels < 1000; levels++)
        {
            try
            {
                await store.ApplyAsync(Delta.Upsert("docs", "probe", Element(levels), "probe"), LastWriteWins.Instance);
            }
            catch (InvalidDeltaException)
            {
                return levels - 1;
            }
        }

        throw new InvalidOperationException("The store accepted a payload 1,000 levels deep.");
    }
}
