using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace OxideMirror;

/// <summary>
/// Pulls pages of changes from sources and applies them to a <see cref="MirrorStore"/>: each page's changes and its
/// cursor commit in one transaction, so a crash at any point leaves the mirror as of the last committed page, and the
/// next sync resumes from there.
/// </summary>
/// <remarks>
/// The syncer is thread-safe. Syncs of different sources may run at once (their writes take turns on the store's single
/// writer); a sync of a source that is already syncing — through this syncer or any other on the same store — waits for
/// the first to finish, then resumes from its cursor.
/// </remarks>
public sealed class Syncer
{
    private readonly ConcurrentDictionary<string, ISyncSource> _sources = new(StringComparer.Ordinal);
    private readonly SyncerOptions _options;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="Syncer"/> class.</summary>
    /// <param name="store">The store to apply changes to.</param>
    /// <param name="strategy">The conflict strategy for every source, or <see langword="null"/> for <see cref="LastWriteWins"/>.</param>
    /// <param name="options">The syncer's options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public Syncer(MirrorStore store, IConflictStrategy? strategy = null, SyncerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _options = options ?? new SyncerOptions();
        _options.Validate();
        Store = store;
        Strategy = strategy ?? LastWriteWins.Instance;
        _logger = _options.LoggerFactory.CreateLogger<Syncer>();
    }

    /// <summary>Gets the store changes are applied to.</summary>
    public MirrorStore Store { get; }

    /// <summary>Gets the conflict strategy.</summary>
    public IConflictStrategy Strategy { get; }

    /// <summary>Gets the sources added so far.</summary>
    public IReadOnlyCollection<ISyncSource> Sources => _sources.Values.ToList();

    /// <summary>Adds a source; <see cref="SyncAllAsync"/> and <see cref="SyncSourceAsync"/> then sync it by id.</summary>
    /// <param name="source">The source.</param>
    /// <returns>This syncer, to chain calls.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentException">The source's id is empty, or a source with the same id was added before.</exception>
    public Syncer AddSource(ISyncSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (string.IsNullOrWhiteSpace(source.Id))
        {
            throw new ArgumentException($"The source of type {source.GetType().Name} has an empty Id. Give every source a unique, non-empty id.", nameof(source));
        }

        if (!_sources.TryAdd(source.Id, source))
        {
            throw new ArgumentException($"A source with id '{source.Id}' was already added. Give every source a unique id.", nameof(source));
        }

        return this;
    }

    /// <summary>Gets an added source by id.</summary>
    /// <param name="sourceId">The source's id.</param>
    /// <returns>The source.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sourceId"/> is null.</exception>
    /// <exception cref="UnknownSourceException">No source with that id was added.</exception>
    public ISyncSource GetSource(string sourceId)
    {
        ArgumentNullException.ThrowIfNull(sourceId);
        return _sources.TryGetValue(sourceId, out var source) ? source : throw new UnknownSourceException(sourceId, _sources.Keys);
    }

    /// <summary>Syncs an added source by id: pulls pages from its stored cursor until it has no more.</summary>
    /// <param name="sourceId">The source's id.</param>
    /// <param name="cancellationToken">A token to stop between pages; a page being applied when it fires commits nothing.</param>
    /// <returns>What the sync did.</returns>
    /// <exception cref="UnknownSourceException">No source with that id was added.</exception>
    /// <exception cref="InvalidDeltaException">A page held an invalid delta; that page committed nothing and the cursor stayed before it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="MirrorException">The source returned an unusable page.</exception>
    public Task<SyncReport> SyncSourceAsync(string sourceId, CancellationToken cancellationToken = default) =>
        SyncAsync(GetSource(sourceId), cancellationToken);

    /// <summary>
    /// Syncs a source (added or not): pulls pages from its stored cursor until a page says it has no more, committing each
    /// page's changes with its cursor in one transaction.
    /// </summary>
    /// <param name="source">The source.</param>
    /// <param name="cancellationToken">A token to stop between pages; a page being applied when it fires commits nothing.</param>
    /// <returns>What the sync did.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="InvalidDeltaException">A page held an invalid delta; that page committed nothing and the cursor stayed before it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="MirrorException">The source returned an unusable page.</exception>
    /// <remarks>Any exception the source throws propagates as it is; pages committed before it stay committed.</remarks>
    public Task<SyncReport> SyncAsync(ISyncSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        return SyncExclusiveAsync(source, throwOnError: true, cancellationToken);
    }

    private async Task<SyncReport> SyncExclusiveAsync(ISyncSource source, bool throwOnError, CancellationToken cancellationToken)
    {
        var gate = Store.SourceGate(source.Id);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunAsync(source, throwOnError, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Syncs every added source, one after another; a source that fails does not stop the others.</summary>
    /// <param name="cancellationToken">A token to stop; cancellation is not reported per source but thrown.</param>
    /// <returns>One report per source, in id order; a failed source's report carries the exception in <see cref="SyncReport.Error"/>.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<IReadOnlyList<SyncReport>> SyncAllAsync(CancellationToken cancellationToken = default)
    {
        var reports = new List<SyncReport>();
        foreach (var source in _sources.Values.OrderBy(s => s.Id, StringComparer.Ordinal).ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            reports.Add(await SyncExclusiveAsync(source, throwOnError: false, cancellationToken).ConfigureAwait(false));
        }

        return reports;
    }

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
        var results = new List<AppliedDelta>(batch.Capacity);
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
        return report;

        async Task FlushAsync()
        {
            RequireOwnProvenance(source, batch, cursor);
            results.Clear();
            await Store.ApplyBatchCoreAsync(batch, Strategy, cursor: null, results, cancellationToken).ConfigureAwait(false);
            report.Count(batch, results);
            report.Pages++;
            batch.Clear();
        }
    }

    /// <summary>
    /// Refuses a page holding a delta that names another source in its provenance: its records would then say (in
    /// <c>_source</c> and freshness) that they came from that source, while the cursor that pulled them is this one's.
    /// </summary>
    /// <exception cref="MirrorException">A delta's <see cref="Provenance.Source"/> is not <paramref name="source"/>'s id.</exception>
    private static void RequireOwnProvenance(ISyncSource source, IReadOnlyList<Delta> deltas, string? cursor)
    {
        for (var i = 0; i < deltas.Count; i++)
        {
            if (deltas[i]?.Provenance?.Source is { } claimed && !string.Equals(claimed, source.Id, StringComparison.Ordinal))
            {
                throw new MirrorException(
                    MirrorErrorCodes.InvalidPage,
                    $"Source '{source.Id}' returned a page (after cursor '{cursor}') whose delta {i} ({deltas[i].Resource}/{deltas[i].RecordId}) says it came from source '{claimed}': its record would be marked as synced from '{claimed}' while '{source.Id}' holds the cursor. Set each delta's Provenance.Source to the id of the source that pulls it ('{source.Id}'). Nothing of this page was applied.");
            }
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

    private async Task<SyncReport> RunAsync(ISyncSource source, bool throwOnError, CancellationToken cancellationToken)
    {
        var started = _options.TimeProvider.GetTimestamp();
        SyncReport report = new(source.Id, null);
        var results = new List<AppliedDelta>();
        try
        {
            var cursor = await Store.GetCursorAsync(source.Id, cancellationToken: cancellationToken).ConfigureAwait(false);
            report = new SyncReport(source.Id, cursor);
            SyncLog.Started(_logger, source.Id, cursor);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var page = await source.PullAsync(cursor, cancellationToken).ConfigureAwait(false)
                    ?? throw new MirrorException(MirrorErrorCodes.InvalidPage, $"Source '{source.Id}' returned no page (null) for cursor '{cursor}'. Return a PullResult, with no deltas and HasMore false when there is nothing new.");
                if (page.Deltas is null)
                {
                    throw new MirrorException(MirrorErrorCodes.InvalidPage, $"Source '{source.Id}' returned a page whose Deltas is null for cursor '{cursor}'. Return an empty list when a page has no changes.");
                }

                if (page.HasMore && page.NextCursor is null && cursor is not null)
                {
                    throw new MirrorException(MirrorErrorCodes.InvalidPage, $"Source '{source.Id}' returned a page after cursor '{cursor}' that says HasMore but has no NextCursor (null), so the next pull would start again from the beginning and the sync would never end. Return the cursor of the next page, or set HasMore to false. Nothing of this page was applied.");
                }

                if (Utf16Text.FindUnpairedSurrogate(page.NextCursor) is var position and >= 0)
                {
                    throw new MirrorException(MirrorErrorCodes.InvalidPage, $"Source '{source.Id}' returned a page after cursor '{cursor}' whose NextCursor {Utf16Text.Describe(page.NextCursor!, position)}, so the next sync would resume from another cursor. Return a cursor that is valid text (for example Base64). Nothing of this page was applied.");
                }

                if (page.HasMore && page.NextCursor == cursor)
                {
                    throw new MirrorException(MirrorErrorCodes.InvalidPage, $"Source '{source.Id}' returned a page that says HasMore but keeps the cursor '{cursor}', so the next pull would return the same page and the sync would never end. Advance NextCursor, or set HasMore to false. Nothing of this page was applied.");
                }

                RequireOwnProvenance(source, page.Deltas, cursor);
                results.Clear();
                await Store.ApplyBatchCoreAsync(page.Deltas, Strategy, new CursorUpdate(source.Id, page.NextCursor), results, cancellationToken).ConfigureAwait(false);
                report.Count(page.Deltas, results);
                report.Pages++;
                report.FinalCursor = page.NextCursor;
                cursor = page.NextCursor;
                SyncLog.PageCommitted(_logger, source.Id, report.Pages, page.Deltas.Count, cursor);

                if (!page.HasMore)
                {
                    break;
                }

                if (report.Pages >= _options.MaxPagesPerSync)
                {
                    SyncLog.PageLimitReached(_logger, source.Id, report.Pages, cursor);
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            report.Duration = _options.TimeProvider.GetElapsedTime(started);
            report.Error = ex;
            if (ex is not OperationCanceledException)
            {
                SyncLog.Failed(_logger, ex, source.Id, report.Pages);
            }

            if (throwOnError || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw;
            }

            return report;
        }

        report.Duration = _options.TimeProvider.GetElapsedTime(started);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            var elapsed = report.Duration.TotalMilliseconds;
            SyncLog.Finished(_logger, source.Id, report.Pulled, report.Pages, report.Applied, report.Skipped, elapsed);
        }

        return report;
    }
}
