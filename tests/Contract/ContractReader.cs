namespace OxideMirror.Contract.Tests;

/// <summary>
/// A store under the reader contract: its <see cref="MirrorReader"/>, the writer that fills it, and a second read of its
/// <c>Reader</c> property (each store hands out one instance).
/// </summary>
public sealed class ContractReader(MirrorReader reader, MirrorWriter writer, Func<MirrorReader> readerAgain, IAsyncDisposable owner) : IAsyncDisposable
{
    /// <summary>Gets the store's reader.</summary>
    public MirrorReader Reader { get; } = reader;

    /// <summary>Gets the store's writer.</summary>
    public MirrorWriter Writer { get; } = writer;

    /// <summary>Reads the store's reader property again.</summary>
    public MirrorReader SameStoreReader() => readerAgain();

    /// <summary>Closes the store.</summary>
    public ValueTask DisposeAsync() => owner.DisposeAsync();
}
