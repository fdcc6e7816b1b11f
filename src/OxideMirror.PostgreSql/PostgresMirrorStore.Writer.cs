namespace OxideMirror.PostgreSql;

public sealed partial class PostgresMirrorStore
{
    private PgWriter? _writer;

    /// <summary>
    /// Gets the store's writer side, which a <see cref="Syncer"/> writes through (<c>new Syncer(store.Writer)</c>); always
    /// the same instance. Each page it applies takes a pooled connection and the transaction-level locks of the sources
    /// it writes, as <see cref="ApplyPageAsync"/> does; a <see cref="Syncer"/> syncing through it first takes the source's
    /// lease (<see cref="LockSourceAsync"/>) and writes the sync's pages through that, so two workers syncing one source
    /// never both apply a page: the second is refused with a <see cref="SourceLockedException"/>.
    /// </summary>
    public MirrorWriter Writer
    {
        get
        {
            if (Volatile.Read(ref _writer) is { } writer)
            {
                return writer;
            }

            Interlocked.CompareExchange(ref _writer, new PgWriter(this), null);
            return _writer;
        }
    }

    /// <summary>The PostgreSQL store's <see cref="MirrorWriter"/>: its cursor read and its page write.</summary>
    private sealed class PgWriter(PostgresMirrorStore store) : MirrorWriter
    {
        public override Task<string?> GetCursorAsync(string source, string resource = "*", CancellationToken cancellationToken = default) =>
            store.GetCursorAsync(source, resource, cancellationToken);

        /// <summary>Takes the source's lease (<see cref="LockSourceAsync"/>), so a sync through this writer holds the source's lock throughout.</summary>
        public override async Task<SourceLease?> LockSourceAsync(string source, CancellationToken cancellationToken = default) =>
            await store.LockSourceAsync(source, cancellationToken).ConfigureAwait(false);

        public override Task<PageOutcome> ApplyPageAsync(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor = null, IReadOnlyList<CompletedPass>? passes = null, CancellationToken cancellationToken = default) =>
            store.WritePageAsync(deltas, strategy, cursor, passes, cancellationToken);
    }
}
