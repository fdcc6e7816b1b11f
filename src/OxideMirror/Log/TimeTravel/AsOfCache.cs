namespace OxideMirror;

/// <summary>
/// Keeps the last few <see cref="AsOfSnapshot"/>s, most recently used first, so repeated as-of queries at one moment pay
/// for one rebuild. A snapshot is reused only while the log has not grown, no compaction has rewritten it and the
/// resource tables' columns have not changed since it was built (a later write could add an event at or before its
/// moment; a compaction removes the states before its snapshots). Thread-safe.
/// </summary>
internal sealed class AsOfCache : IDisposable
{
    private readonly Lock _gate = new();
    private readonly LinkedList<AsOfSnapshot> _entries = [];
    private readonly int _capacity;
    private bool _disposed;

    public AsOfCache(int capacity)
    {
        _capacity = capacity;
    }

    /// <summary>Returns a cached snapshot for the moment with a reference taken, or null; drops snapshots gone stale.</summary>
    public AsOfSnapshot? Acquire(string at, AsOfMode mode, long logPosition, int schemaGeneration, int compactions)
    {
        lock (_gate)
        {
            AsOfSnapshot? found = null;
            for (var node = _entries.First; node is not null;)
            {
                var next = node.Next;
                var snapshot = node.Value;
                if (snapshot.LogPosition != logPosition || snapshot.SchemaGeneration != schemaGeneration || snapshot.Compactions != compactions)
                {
                    _entries.Remove(node);
                    snapshot.Evict();
                }
                else if (found is null && snapshot.Mode == mode && string.Equals(snapshot.At, at, StringComparison.Ordinal) && snapshot.TryAcquire())
                {
                    found = snapshot;
                    _entries.Remove(node);
                    _entries.AddFirst(node);
                }

                node = next;
            }

            return found;
        }
    }

    /// <summary>Takes a reference on a new snapshot for its first query and caches it, evicting the least recently used.</summary>
    public void Add(AsOfSnapshot snapshot)
    {
        snapshot.TryAcquire();
        lock (_gate)
        {
            if (_disposed || _capacity == 0)
            {
                snapshot.Evict();
                return;
            }

            _entries.AddFirst(snapshot);
            while (_entries.Count > _capacity)
            {
                var last = _entries.Last!.Value;
                _entries.RemoveLast();
                last.Evict();
            }
        }
    }

    /// <summary>
    /// Drops cached snapshots, least recently used first, while <paramref name="crowded"/> says the memory they hold is
    /// crowding out other queries; a snapshot still in use closes when its query ends.
    /// </summary>
    public void Trim(Func<bool> crowded)
    {
        lock (_gate)
        {
            while (_entries.Count > 0 && crowded())
            {
                var last = _entries.Last!.Value;
                _entries.RemoveLast();
                last.Evict();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var snapshot in _entries)
            {
                snapshot.Evict();
            }

            _entries.Clear();
        }
    }
}
