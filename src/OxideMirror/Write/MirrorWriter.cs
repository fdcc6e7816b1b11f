namespace OxideMirror;

/// <summary>
/// The writer side of a mirror: what the <see cref="Syncer"/> writes through — read a source's stored cursor, and apply a
/// page of deltas with its cursor (and the deletes of the completed passes it carries) in one transaction. The SQLite
/// store (<see cref="MirrorStore.Writer"/>) and OxideMirror.PostgreSql's store each implement it.
/// </summary>
/// <remarks>
/// <para>
/// An abstract class, as <c>System.Threading.Channels.ChannelWriter&lt;T&gt;</c> is, rather than an interface: a store
/// exposes its writer as a property (the way a channel exposes <c>Writer</c>), so one store can later expose a reader
/// side too without one type implementing both contracts; members added in a later version come with a default
/// implementation without breaking existing writers; and the core can ask its own writers for what only they have (the
/// SQLite store's telemetry) without making that public.
/// </para>
/// <para>
/// Implementations must be thread-safe, and must commit each <see cref="ApplyPageAsync"/> call entirely or not at all.
/// A syncer takes an in-process lock per writer instance and source, so a store should hand out one writer instance.
/// </para>
/// </remarks>
public abstract class MirrorWriter
{
    /// <summary>Initializes a new instance of the <see cref="MirrorWriter"/> class.</summary>
    protected MirrorWriter()
    {
    }

    /// <summary>Gets the SQLite store's telemetry when this is its writer; <see langword="null"/> for other writers, whose syncs record on the shared <see cref="OxideMirrorTelemetry.MeterName"/> meter.</summary>
    internal virtual StoreTelemetry? Telemetry => null;

    /// <summary>Gets the SQLite store this writer writes, or <see langword="null"/> for another store's writer.</summary>
    internal virtual MirrorStore? SqliteStore => null;

    /// <summary>
    /// Takes the lock of a source's whole sync, where the store keeps one across processes; the <see cref="Syncer"/> calls
    /// it before it reads the source's cursor, writes the sync's pages through the lease's <see cref="SourceLease.Writer"/>,
    /// and disposes it when the sync ends. The default returns <see langword="null"/>: the store needs no lease, and the
    /// syncer's in-process lock per writer and source is all that keeps a source's syncs apart (the SQLite store, which
    /// one process writes at a time; two processes syncing one source into one file are not kept apart).
    /// </summary>
    /// <param name="source">The source's id.</param>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The lease, or <see langword="null"/> when the store needs none.</returns>
    /// <exception cref="ArgumentException"><paramref name="source"/> is null, empty or white space.</exception>
    /// <exception cref="MirrorException">Another worker holds the source's lock (a store-specific subtype names it), or the store cannot be reached.</exception>
    public virtual Task<SourceLease?> LockSourceAsync(string source, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        return Task.FromResult<SourceLease?>(null);
    }

    /// <summary>Gets a source's stored cursor: where its next sync resumes.</summary>
    /// <param name="source">The source's id.</param>
    /// <param name="resource">The resource the cursor belongs to, or <c>"*"</c> (the default) for the whole source.</param>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The cursor, or <see langword="null"/> when none is stored (the next sync starts from the beginning).</returns>
    /// <exception cref="ArgumentException"><paramref name="source"/> or <paramref name="resource"/> is null, empty or white space.</exception>
    /// <exception cref="MirrorStorageException">The store cannot be read.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public abstract Task<string?> GetCursorAsync(string source, string resource = "*", CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies a page in one transaction: its deltas in order, each decided by <paramref name="strategy"/>; then, for each
    /// of <paramref name="passes"/>, a delete of every live record of the resource that <paramref name="cursor"/>'s source
    /// wrote last and the pass did not list; then the cursor. All of it commits, or none of it. A delta whose
    /// <see cref="Delta.DeltaId"/> its source already applied is a <see cref="ApplyDecision.Duplicate"/> and writes nothing.
    /// </summary>
    /// <param name="deltas">The changes, applied in order.</param>
    /// <param name="strategy">The conflict strategy that decides whether and how each change applies.</param>
    /// <param name="cursor">A cursor to store in the same transaction, or <see langword="null"/>.</param>
    /// <param name="passes">The full passes the page completes, or <see langword="null"/>; they need a <paramref name="cursor"/>.</param>
    /// <param name="cancellationToken">A token to cancel; a cancelled page commits nothing.</param>
    /// <returns>What each delta did, then what each delete of an unlisted record did, and those deletes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="deltas"/>, one of its items, or <paramref name="strategy"/> is null.</exception>
    /// <exception cref="ArgumentException">The cursor's source or resource is empty, a value has an unpaired surrogate, passes come without a cursor, or the strategy has a null label.</exception>
    /// <exception cref="InvalidDeltaException">A delta is invalid, or its payload is too large; nothing of the page was written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; nothing of the page was written.</exception>
    /// <exception cref="MirrorStorageException">The store cannot be written; nothing of the page was written.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public abstract Task<PageOutcome> ApplyPageAsync(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor = null, IReadOnlyList<CompletedPass>? passes = null, CancellationToken cancellationToken = default);
}
