namespace OxideMirror;

public sealed partial class Syncer
{
    /// <summary>
    /// Applies the changes <see cref="ISyncSource.SubscribeAsync"/> streams, in transactions of up to
    /// <see cref="SyncerOptions.StreamBatchSize"/> changes (a smaller one whenever the stream pauses), until the stream ends.
    /// </summary>
    /// <param name="source">The source.</param>
    /// <param name="cursor">Where the stream starts, or <see langword="null"/> for the beginning. Streams carry no per-change cursor, so the stored cursor is not changed.</param>
    /// <param name="cancellationToken">A token that ends the stream; changes received but not yet committed are not applied.</param>
    /// <returns>What the stream applied.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="InvalidDeltaException">A change was invalid; its batch committed nothing and the stream stopped.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<SyncReport> SyncStreamAsync(ISyncSource source, string? cursor = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var started = _options.TimeProvider.GetTimestamp();
        var report = new SyncReport(source.Id, cursor);
        var batch = new List<Delta>(Math.Min(_options.StreamBatchSize, 4096));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var enumerator = source.SubscribeAsync(cursor, stop.Token).GetAsyncEnumerator(stop.Token);
        await using (enumerator.ConfigureAwait(false))
        {
            while (true)
            {
                var next = enumerator.MoveNextAsync();
                if (!next.IsCompleted && batch.Count > 0)
                {
                    try
                    {
                        await FlushAsync().ConfigureAwait(false);
                    }
                    catch
                    {
                        // An enumerator must not be disposed while a MoveNextAsync is pending: a compiler-generated iterator
                        // then throws NotSupportedException, which would replace this exception. End the stream, let the
                        // pending call finish, and only then dispose and rethrow.
                        await stop.CancelAsync().ConfigureAwait(false);
                        await ObserveEndAsync(next).ConfigureAwait(false);
                        throw;
                    }
                }

                if (!await next.ConfigureAwait(false))
                {
                    break;
                }

                batch.Add(enumerator.Current);
                if (batch.Count >= _options.StreamBatchSize)
                {
                    await FlushAsync().ConfigureAwait(false);
                }
            }

            if (batch.Count > 0)
            {
                await FlushAsync().ConfigureAwait(false);
            }
        }

        report.Duration = _options.TimeProvider.GetElapsedTime(started);
        _instruments.SyncEnded(report, null, activity: null);
        return report;

        async Task FlushAsync()
        {
            RequireOwnProvenance(source, batch, cursor);
            var outcome = RequireWholeOutcome(Writer, batch, await Writer.ApplyPageAsync(batch, Strategy, cursor: null, passes: null, cancellationToken).ConfigureAwait(false));
            report.Count(batch, outcome);
            report.Pages++;
            _instruments.PageCommitted(source.Id, batch, outcome, page: null);
            batch.Clear();
        }
    }

    private static async Task ObserveEndAsync(ValueTask<bool> pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // How the cancelled stream ends (usually OperationCanceledException) is not the failure being reported.
        }
    }
}
