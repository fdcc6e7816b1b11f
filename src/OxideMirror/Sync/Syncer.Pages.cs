using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace OxideMirror;

public sealed partial class Syncer
{
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

    /// <summary>
    /// Refuses a page whose <see cref="PullResult.CompletedPasses"/> cannot be used: null, a null pass, an empty resource,
    /// null ids or a null id among them, or one resource twice.
    /// </summary>
    /// <exception cref="MirrorException">The passes are unusable; nothing of the page is applied.</exception>
    private static void RequireUsablePasses(ISyncSource source, IReadOnlyList<CompletedPass>? passes, string? cursor)
    {
        if (passes is null)
        {
            throw new MirrorException(MirrorErrorCodes.InvalidPage, $"Source '{source.Id}' returned a page after cursor '{cursor}' whose CompletedPasses is null. Leave it out (an empty list) when the page completes no full pass. Nothing of this page was applied.");
        }

        var resources = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < passes.Count; i++)
        {
            var pass = passes[i]
                ?? throw new MirrorException(MirrorErrorCodes.InvalidPage, $"Source '{source.Id}' returned a page after cursor '{cursor}' whose completed pass {i} is null. Remove it, or describe the pass with a CompletedPass. Nothing of this page was applied.");
            if (Ids.IsBlank(pass.Resource))
            {
                throw new MirrorException(MirrorErrorCodes.InvalidPage, $"Source '{source.Id}' returned a page after cursor '{cursor}' whose completed pass {i} has an empty Resource ('{pass.Resource}'). Name the resource the pass listed in full. Nothing of this page was applied.");
            }

            if (pass.RecordIds is null || pass.RecordIds.Any(id => id is null))
            {
                throw new MirrorException(MirrorErrorCodes.InvalidPage, $"Source '{source.Id}' returned a page after cursor '{cursor}' whose completed pass of '{pass.Resource}' has {(pass.RecordIds is null ? "null RecordIds" : "a null record id")}. List the id of every record the pass saw (an empty list when it saw none). Nothing of this page was applied.");
            }

            if (!resources.Add(pass.Resource))
            {
                throw new MirrorException(MirrorErrorCodes.InvalidPage, $"Source '{source.Id}' returned a page after cursor '{cursor}' that completes two passes of '{pass.Resource}'. Report one pass per resource with every record id it saw. Nothing of this page was applied.");
            }
        }
    }

    /// <summary>
    /// Refuses an outcome <paramref name="writer"/> (the syncer's, or a lease's) returned that does not hold one result per delta of the page plus one per delete of a
    /// missing record: the report and the metrics would count the wrong deltas.
    /// </summary>
    /// <exception cref="MirrorException">The outcome is null or its results do not match the page.</exception>
    private static PageOutcome RequireWholeOutcome(MirrorWriter writer, IReadOnlyList<Delta> deltas, PageOutcome? outcome)
    {
        if (outcome is null || outcome.Results.Count != deltas.Count + outcome.Missing.Count)
        {
            throw new MirrorException(
                MirrorErrorCodes.Internal,
                outcome is null
                    ? $"The writer {writer.GetType().FullName} returned no page outcome (null) for a page of {deltas.Count} delta(s); the page may have committed, uncounted. Return a PageOutcome from ApplyPageAsync."
                    : $"The writer {writer.GetType().FullName} returned {outcome.Results.Count} result(s) for a page of {deltas.Count} delta(s) and {outcome.Missing.Count} delete(s) of missing records; the page committed, uncounted. Return one result per delta, then one per delete, from ApplyPageAsync.");
        }

        return outcome;
    }

    /// <summary>Lists the resources a committed page held changes of, or completed a pass of, in the order they first appear.</summary>
    private static List<string> ResourcesOf(PullResult page)
    {
        var resources = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var delta in page.Deltas)
        {
            if (seen.Add(delta.Resource))
            {
                resources.Add(delta.Resource);
            }
        }

        foreach (var pass in page.CompletedPasses)
        {
            if (seen.Add(pass.Resource))
            {
                resources.Add(pass.Resource);
            }
        }

        return resources;
    }

    private async Task<SyncReport> RunAsync(ISyncSource source, IProgress<SyncProgress>? progress, bool throwOnError, CancellationToken cancellationToken)
    {
        var started = _options.TimeProvider.GetTimestamp();
        SyncReport report = new(source.Id, null);
        var telemetry = _instruments;
        using var activity = MirrorTelemetry.StartSync(source.Id);
        Activity? pageActivity = null;
        try
        {
            // A store many processes write locks the source for the whole sync, and the sync writes through the lease.
            await using var lease = await Writer.LockSourceAsync(source.Id, cancellationToken).ConfigureAwait(false);
            var writer = lease?.Writer ?? Writer;
            var cursor = await writer.GetCursorAsync(source.Id, cancellationToken: cancellationToken).ConfigureAwait(false);
            report = new SyncReport(source.Id, cursor);
            activity?.SetTag("oxidemirror.cursor.start", cursor);
            SyncLog.Started(_logger, source.Id, cursor);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                pageActivity = MirrorTelemetry.StartPage(source.Id, report.Pages + 1);
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
                RequireUsablePasses(source, page.CompletedPasses, cursor);
                var outcome = RequireWholeOutcome(writer, page.Deltas, await writer.ApplyPageAsync(page.Deltas, Strategy, new CursorUpdate(source.Id, page.NextCursor), page.CompletedPasses, cancellationToken).ConfigureAwait(false));
                report.Count(page.Deltas, outcome);
                report.Pages++;
                report.FinalCursor = page.NextCursor;
                cursor = page.NextCursor;
                telemetry.PageCommitted(source.Id, page.Deltas, outcome, pageActivity);
                pageActivity?.Dispose();
                pageActivity = null;
                SyncLog.PageCommitted(_logger, source.Id, report.Pages, page.Deltas.Count, cursor);
                if (page.CompletedPasses.Count > 0 && _logger.IsEnabled(LogLevel.Information))
                {
                    foreach (var pass in page.CompletedPasses)
                    {
                        var deleted = outcome.Missing.Count(d => d.Resource == pass.Resource);
                        SyncLog.PassCompleted(_logger, source.Id, pass.Resource, pass.RecordIds.Count, deleted);
                    }
                }

                progress?.Report(new SyncProgress(report, ResourcesOf(page), page.Deltas.Count, _options.TimeProvider.GetElapsedTime(started)));

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
            MirrorTelemetry.Failed(pageActivity, ex);
            pageActivity?.Dispose();
            telemetry.SyncEnded(report, ex, activity);
            var cancelled = ex is OperationCanceledException && cancellationToken.IsCancellationRequested;
            if (cancelled)
            {
                SyncLog.Cancelled(_logger, source.Id, report.Pages, report.FinalCursor);
            }
            else
            {
                SyncLog.Failed(_logger, ex, source.Id, report.Pages);
            }

            if (throwOnError || cancelled)
            {
                throw;
            }

            return report;
        }

        report.Duration = _options.TimeProvider.GetElapsedTime(started);
        _storeTelemetry?.SyncSucceeded(source.Id);
        telemetry.SyncEnded(report, null, activity);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            var elapsed = report.Duration.TotalMilliseconds;
            SyncLog.Finished(_logger, source.Id, report.Pulled, report.Pages, report.Applied, report.Skipped, report.Unchanged, report.Duplicates, elapsed);
        }

        return report;
    }
}
