namespace OxideMirror.Contract.Tests;

/// <summary>
/// A store under the writer contract: its <see cref="MirrorWriter"/>, and the two record reads every store has (also on
/// its <see cref="MirrorReader"/>; <see cref="ContractReader"/> is that contract's), so the suite checks what a page left behind.
/// </summary>
public sealed class ContractMirror(
    MirrorWriter writer,
    Func<string, string, Task<MirroredRecord?>> getRecord,
    Func<string, string, Task<Tombstone?>> getTombstone,
    IAsyncDisposable owner) : IAsyncDisposable
{
    /// <summary>Gets the store's writer.</summary>
    public MirrorWriter Writer { get; } = writer;

    /// <summary>Gets a live record, or null.</summary>
    public Task<MirroredRecord?> GetRecordAsync(string resource, string recordId) => getRecord(resource, recordId);

    /// <summary>Gets a deleted record's tombstone, or null.</summary>
    public Task<Tombstone?> GetTombstoneAsync(string resource, string recordId) => getTombstone(resource, recordId);

    /// <summary>Closes the store.</summary>
    public ValueTask DisposeAsync() => owner.DisposeAsync();
}
