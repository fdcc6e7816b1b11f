using Npgsql;

namespace OxideMirror.PostgreSql;

/// <summary>
/// A watch's <c>LISTEN</c> on the log's channel (<see cref="PgLogPositions.Channel"/>): one unpooled connection of its
/// own, which <see cref="WaitAsync"/> waits on for a commit's notification or the poll interval, whichever comes first.
/// A dropped or unreachable connection is not an error: the watch polls meanwhile, and the next
/// <see cref="ListenAsync"/> connects again. The wake-up only says "read the log"; what changed is read by position.
/// </summary>
internal sealed class PgLogListener(PostgresMirrorStore store, NpgsqlDataSource source, string channel, TimeSpan pollInterval) : IAsyncDisposable
{
    private NpgsqlConnection? _connection;

    /// <summary>Gets a value indicating whether the connection is listening.</summary>
    public bool IsListening => _connection is not null;

    /// <summary>Listens on the channel unless already listening; leaves the watch polling when the server cannot be reached.</summary>
    public async Task ListenAsync(CancellationToken cancellationToken)
    {
        if (_connection is not null)
        {
            return;
        }

        NpgsqlConnection? connection = null;
        try
        {
            connection = await store.OpenOnAsync(source, "listening for the log's commits", cancellationToken).ConfigureAwait(false);
            await PgSql.ExecuteAsync(connection, null, "LISTEN " + PgNames.Quote(channel), cancellationToken).ConfigureAwait(false);
            _connection = connection;
            connection = null;
        }
        catch (Exception ex) when (ex is MirrorStorageException or NpgsqlException && !cancellationToken.IsCancellationRequested)
        {
            // Not listening: the watch polls until the next attempt.
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits until a commit is notified or the poll interval passes; a dropped connection ends the wait at once.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        if (_connection is null)
        {
            await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await _connection.WaitAsync(pollInterval, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or ObjectDisposedException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            // The connection is gone (terminated, or the server restarted): notifications sent meanwhile are lost, so the
            // watch reads the log now and listens again.
            await DropAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => DropAsync();

    private async ValueTask DropAsync()
    {
        var connection = _connection;
        _connection = null;
        if (connection is not null)
        {
            try
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException)
            {
                // A broken connection may fail to close; it is gone either way.
            }
        }
    }
}
