namespace OxideMirror;

/// <summary>
/// The lock of one source's whole sync, in a store that many processes write (<see cref="MirrorWriter.LockSourceAsync"/>):
/// while it is held, only its <see cref="Writer"/> writes the source's pages, so two workers syncing one source never both
/// read one cursor and apply the same next page. Disposing it releases the lock; a store must also release it when its
/// holder dies (OxideMirror.PostgreSql's lease is a session lock, gone with the connection).
/// </summary>
public abstract class SourceLease : IAsyncDisposable
{
    /// <summary>Initializes a new instance of the <see cref="SourceLease"/> class.</summary>
    /// <param name="source">The source whose lock the lease holds.</param>
    /// <exception cref="ArgumentException"><paramref name="source"/> is null, empty or white space.</exception>
    protected SourceLease(string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        Source = source;
    }

    /// <summary>Gets the source whose lock this lease holds.</summary>
    public string Source { get; }

    /// <summary>Gets the writer that writes the source's pages under the lock: the one a sync of the source writes through.</summary>
    public abstract MirrorWriter Writer { get; }

    /// <summary>Releases the lock.</summary>
    /// <returns>A task that completes when the lock is released.</returns>
    public abstract ValueTask DisposeAsync();
}
