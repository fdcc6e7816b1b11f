using System.Diagnostics;

namespace OxideMirror;

internal sealed partial class MirrorTelemetry
{
    /// <summary>Outcome tag values, indexed by <see cref="OutcomeIndex"/>.</summary>
    private static readonly string[] Outcomes = ["applied", "skipped", "unchanged", "duplicate"];

    /// <summary>Starts the activity of one sync of a source, or returns <see langword="null"/> when nobody listens.</summary>
    public static Activity? StartSync(string source)
    {
        if (!Activities.HasListeners())
        {
            return null;
        }

        var activity = Activities.StartActivity("oxidemirror.sync");
        activity?.SetTag(TelemetryTags.Source, source);
        return activity;
    }

    /// <summary>Starts the activity of one page of a sync (a child of the sync's), or returns <see langword="null"/> when nobody listens.</summary>
    public static Activity? StartPage(string source, int page)
    {
        if (!Activities.HasListeners())
        {
            return null;
        }

        var activity = Activities.StartActivity("oxidemirror.sync.page");
        activity?.SetTag(TelemetryTags.Source, source);
        activity?.SetTag(TelemetryTags.Page, page);
        return activity;
    }

    /// <summary>
    /// Records a committed page of a sync: one page, and its deltas counted by resource and outcome (the same tally as
    /// <see cref="SyncReport"/>), and the records a completed pass found missing. Runs once per page; the deltas are only
    /// walked when someone listens to <c>oxidemirror.sync.deltas</c>.
    /// </summary>
    public void PageCommitted(string source, IReadOnlyList<Delta> deltas, PageOutcome outcome, Activity? page)
    {
        if (page is not null)
        {
            page.SetTag(TelemetryTags.Deltas, deltas.Count);
            page.SetTag("oxidemirror.missing", outcome.Missing.Count);
        }

        if (SyncPages.Enabled)
        {
            SyncPages.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Source, source));
        }

        if (SyncDeltas.Enabled && outcome.Results.Count > 0)
        {
            var counts = new Dictionary<(string Resource, int Outcome), long>();
            for (var i = 0; i < outcome.Results.Count; i++)
            {
                var resource = i < deltas.Count ? deltas[i].Resource : outcome.Missing[i - deltas.Count].Resource;
                var key = (resource, OutcomeIndex(outcome.Results[i].Decision));
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }

            foreach (var ((resource, index), count) in counts)
            {
                SyncDeltas.Add(count, new TagList { { TelemetryTags.Source, source }, { TelemetryTags.Resource, resource }, { TelemetryTags.Outcome, Outcomes[index] } });
            }
        }

        if (SyncMissing.Enabled && outcome.Missing.Count > 0)
        {
            foreach (var group in outcome.Missing.GroupBy(d => d.Resource, StringComparer.Ordinal))
            {
                SyncMissing.Add(group.Count(), new TagList { { TelemetryTags.Source, source }, { TelemetryTags.Resource, group.Key } });
            }
        }
    }

    /// <summary>Records the end of a sync: its duration, a failure by error type, and the totals on its activity.</summary>
    public void SyncEnded(SyncReport report, Exception? error, Activity? activity)
    {
        var errorType = error is null ? null : TelemetryTags.ErrorTypeOf(error);
        if (activity is not null)
        {
            activity.SetTag("oxidemirror.pages", report.Pages);
            activity.SetTag("oxidemirror.pulled", report.Pulled);
            activity.SetTag("oxidemirror.applied", report.Applied);
            activity.SetTag("oxidemirror.cursor.final", report.FinalCursor);
            Failed(activity, error, errorType);
        }

        if (SyncDuration.Enabled)
        {
            var tags = new TagList { { TelemetryTags.Source, report.Source } };
            if (errorType is not null)
            {
                tags.Add(TelemetryTags.ErrorType, errorType);
            }

            SyncDuration.Record(report.Duration.TotalSeconds, tags);
        }

        if (errorType is not null && SyncFailures.Enabled)
        {
            SyncFailures.Add(1, new TagList { { TelemetryTags.Source, report.Source }, { TelemetryTags.ErrorType, errorType } });
        }
    }

    /// <summary>
    /// Marks an activity as failed when there is an error: its status and <c>error.type</c>, and, when
    /// <paramref name="withMessage"/>, the exception with its message (which a query's failure may quote SQL in).
    /// </summary>
    public static void Failed(Activity? activity, Exception? error, string? errorType = null, bool withMessage = true)
    {
        if (activity is null || error is null)
        {
            return;
        }

        errorType ??= TelemetryTags.ErrorTypeOf(error);
        activity.SetTag(TelemetryTags.ErrorType, errorType);
        activity.SetStatus(ActivityStatusCode.Error, withMessage ? error.Message : errorType);
        if (withMessage)
        {
            activity.AddException(error);
        }
    }

    private static int OutcomeIndex(ApplyDecision decision) => decision switch
    {
        ApplyDecision.Skipped => 1,
        ApplyDecision.Unchanged => 2,
        ApplyDecision.Duplicate => 3,
        _ => 0,
    };
}
