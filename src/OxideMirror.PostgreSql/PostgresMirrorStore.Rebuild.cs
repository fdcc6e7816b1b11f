using System.Diagnostics;
using Npgsql;

namespace OxideMirror.PostgreSql;

public sealed partial class PostgresMirrorStore
{
    /// <summary>
    /// Rebuilds <c>mirror_records</c> and every resource table from the event log, in one transaction: what a repair after
    /// a bug or a hand edit needs. The rebuilt rows equal what the live write path left (the same rule decides both), and
    /// the resource tables keep their columns and types.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel; a cancelled rebuild changes nothing.</param>
    /// <returns>How many records were rebuilt from how many applied events, and how long it took.</returns>
    /// <remarks>
    /// Page writers, in this process and others, wait for the rebuild to commit (it locks <c>mirror_records</c> in
    /// <c>EXCLUSIVE</c> mode); agents' queries go on and see the old rows until then.
    /// </remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; nothing changed.</exception>
    /// <exception cref="MirrorStorageException">PostgreSQL failed; nothing changed.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public async Task<RebuildReport> RebuildRecordsAsync(CancellationToken cancellationToken = default)
    {
        const string Doing = "rebuilding the records from the log";
        await using var connection = await OpenConnectionAsync(Doing, cancellationToken).ConfigureAwait(false);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var started = Stopwatch.GetTimestamp();
            var (records, events) = await PgRebuilder.RunAsync(connection, transaction, Schema, _lockScope, AgentRole, Now(), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new RebuildReport(records, events, Stopwatch.GetElapsedTime(started));
        }
        catch (PostgresException ex) when (ex.SqlState != "57014")
        {
            throw Failure(ex, Doing);
        }
    }
}
