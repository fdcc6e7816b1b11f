namespace OxideMirror;

/// <summary>A read-only connection taken from <see cref="StoreReaders.LeaseAsync(CancellationToken)"/>; disposing it gives the connection back.</summary>
internal sealed class ReaderLease(StoreReaders readers, ReaderPool.Reader reader) : IDisposable
{
    /// <summary>Gets the leased reader.</summary>
    public ReaderPool.Reader Reader { get; } = reader;

    /// <summary>Gets or sets whether the connection goes back to the pool (true) or is closed (false) when the lease ends.</summary>
    public bool Healthy { get; set; } = true;

    public void Dispose() => readers.Return(Reader, Healthy);
}
