using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// Reads the pages <see cref="MirrorStore.WatchAsync"/> streams: applied events after a position, on a read-only
/// connection the caller leased. The waiting between pages (the commit signal) belongs to the caller.
/// </summary>
internal static class LogWatcher
{
    /// <summary>The most applied events one read takes.</summary>
    public const int PageSize = 500;

    /// <summary>Reads up to <see cref="PageSize"/> applied events after <paramref name="position"/>, optionally of one resource.</summary>
    public static async Task<WatchPage> ReadAsync(SqliteConnection connection, long position, string? resource, CancellationToken cancellationToken)
    {
        var page = await EventReader.AppliedAfterAsync(connection, position, resource, PageSize, cancellationToken).ConfigureAwait(false);
        return new WatchPage(page.Rows, page.Position, page.HasMore);
    }

    /// <summary>A page read; its changes are made one by one as they are handed over, holding no connection.</summary>
    internal readonly record struct WatchPage(List<EventReader.Row> Rows, long Position, bool HasMore)
    {
        public IEnumerable<RecordChange> Changes
        {
            get
            {
                foreach (var row in Rows)
                {
                    yield return row.ToChange(EventReader.Parse(row.StateAfter));
                }
            }
        }
    }
}
