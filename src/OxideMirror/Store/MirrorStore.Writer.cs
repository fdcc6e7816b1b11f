namespace OxideMirror;

public sealed partial class MirrorStore
{
    /// <summary>Gets the store's writer side, which a <see cref="Syncer"/> writes through; always the same instance.</summary>
    public MirrorWriter Writer => _writer;

    /// <summary>The SQLite store's <see cref="MirrorWriter"/>: its cursor read and its one write path, with its telemetry.</summary>
    private sealed class SqliteWriter(MirrorStore store) : MirrorWriter
    {
        internal override StoreTelemetry? Telemetry => store.Telemetry;

        internal override MirrorStore? SqliteStore => store;

        public override Task<string?> GetCursorAsync(string source, string resource = "*", CancellationToken cancellationToken = default) =>
            store.GetCursorAsync(source, resource, cancellationToken);

        public override Task<PageOutcome> ApplyPageAsync(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor = null, IReadOnlyList<CompletedPass>? passes = null, CancellationToken cancellationToken = default) =>
            store.ApplyPageAsync(deltas, strategy, cursor, passes, cancellationToken);
    }
}
