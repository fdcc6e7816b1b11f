using System.Diagnostics;

namespace OxideMirror;

internal sealed partial class MirrorTelemetry
{
    /// <summary>
    /// Starts the activity of one agent query, or returns <see langword="null"/> when nobody listens. The SQL is recorded
    /// (as <c>db.query.text</c>, cut to <see cref="MirrorStoreOptions.RecordedQueryTextLength"/> characters) only when
    /// <see cref="MirrorStoreOptions.RecordQueryText"/> opts in.
    /// </summary>
    public static Activity? StartQuery(string store, string sql, MirrorStoreOptions options)
    {
        if (!Activities.HasListeners())
        {
            return null;
        }

        var activity = Activities.StartActivity("oxidemirror.query", ActivityKind.Client);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag(TelemetryTags.DbSystem, TelemetryTags.Sqlite);
        activity.SetTag(TelemetryTags.DbNamespace, store);
        activity.SetTag(TelemetryTags.DbOperation, "query");
        if (options.RecordQueryText)
        {
            activity.SetTag(TelemetryTags.DbQueryText, Cut(sql ?? string.Empty, options.RecordedQueryTextLength));
        }

        return activity;
    }

    /// <summary>
    /// Records the end of an agent query: its duration and rows, a truncation, or its failure by error type, on the
    /// instruments and on its activity.
    /// </summary>
    public void QueryEnded(string store, long startedTimestamp, IQueryAnswer? answer, Exception? error, Activity? activity, bool recordsText)
    {
        var errorType = error is null ? null : TelemetryTags.ErrorTypeOf(error);
        if (activity is not null)
        {
            if (answer is not null)
            {
                activity.SetTag(TelemetryTags.DbReturnedRows, answer.RowCount);
                activity.SetTag("oxidemirror.truncated", answer.Truncated);
            }

            Failed(activity, error, errorType, withMessage: recordsText);
        }

        if (QueryDuration.Enabled)
        {
            var tags = DbTags(store);
            if (errorType is not null)
            {
                tags.Add(TelemetryTags.ErrorType, errorType);
            }

            QueryDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, tags);
        }

        if (answer is not null)
        {
            if (QueryRows.Enabled)
            {
                QueryRows.Record(answer.RowCount, DbTags(store));
            }

            if (answer.Truncated && QueryTruncations.Enabled)
            {
                QueryTruncations.Add(1, DbTags(store));
            }
        }

        if (errorType is not null && QueryFailures.Enabled)
        {
            var tags = DbTags(store);
            tags.Add(TelemetryTags.ErrorType, errorType);
            QueryFailures.Add(1, tags);
        }
    }

    /// <summary>Cuts text to at most <paramref name="length"/> characters, never between the halves of a surrogate pair.</summary>
    internal static string Cut(string text, int length)
    {
        if (text.Length <= length)
        {
            return text;
        }

        var end = length > 0 && char.IsHighSurrogate(text[length - 1]) ? length - 1 : length;
        return text[..end];
    }

    private static TagList DbTags(string store) => new()
    {
        { TelemetryTags.DbSystem, TelemetryTags.Sqlite },
        { TelemetryTags.DbNamespace, store },
        { TelemetryTags.DbOperation, "query" },
    };
}
