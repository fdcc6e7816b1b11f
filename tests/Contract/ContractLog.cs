namespace OxideMirror.Contract.Tests;

/// <summary>
/// A store under the log contract: its writer and its reads of the log (position, changes since a position or a time,
/// a record's history, watch), which both stores have with the same signatures, and a way to open a second instance of
/// the same mirror (another connection pool, as another process would).
/// </summary>
public sealed class ContractLog(
    MirrorWriter writer,
    Func<Task<long>> getPosition,
    Func<long, string?, int, Task<ChangeSet>> getChanges,
    Func<DateTimeOffset, string?, Task<ChangeSet>> getChangesSince,
    Func<string, string, Task<IReadOnlyList<RecordChange>>> getHistory,
    Func<long?, string?, CancellationToken, IAsyncEnumerable<RecordChange>> watch,
    Func<Task<ContractLog>> openAnother,
    IAsyncDisposable owner) : IAsyncDisposable
{
    /// <summary>Gets the store's writer.</summary>
    public MirrorWriter Writer { get; } = writer;

    /// <summary>Gets the log's position.</summary>
    public Task<long> GetPositionAsync() => getPosition();

    /// <summary>Gets the changes after a position.</summary>
    public Task<ChangeSet> GetChangesAsync(long sincePosition, string? resource = null, int limit = 1000) => getChanges(sincePosition, resource, limit);

    /// <summary>Gets the changes after a time.</summary>
    public Task<ChangeSet> GetChangesAsync(DateTimeOffset since, string? resource = null) => getChangesSince(since, resource);

    /// <summary>Gets a record's history.</summary>
    public Task<IReadOnlyList<RecordChange>> GetHistoryAsync(string resource, string recordId) => getHistory(resource, recordId);

    /// <summary>Watches the log.</summary>
    public IAsyncEnumerable<RecordChange> WatchAsync(long? fromPosition = null, string? resource = null, CancellationToken cancellationToken = default) =>
        watch(fromPosition, resource, cancellationToken);

    /// <summary>Opens another instance of the same mirror, with connections of its own.</summary>
    public Task<ContractLog> OpenAnotherAsync() => openAnother();

    /// <summary>Closes the store.</summary>
    public ValueTask DisposeAsync() => owner.DisposeAsync();
}

/// <summary>A clock a test moves by hand (the stores read their time from a <see cref="TimeProvider"/>).</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    /// <summary>Gets or sets the time the clock reads.</summary>
    public DateTimeOffset Now { get; set; } = start;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => Now;
}
