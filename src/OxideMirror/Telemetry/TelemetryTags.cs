namespace OxideMirror;

/// <summary>
/// The tag (attribute) names OxideMirror's instruments and activities carry, and the one rule that turns a failure into
/// an <c>error.type</c> value. Names follow the OpenTelemetry semantic conventions where they define one.
/// </summary>
internal static class TelemetryTags
{
    /// <summary>The OpenTelemetry database system attribute; always <see cref="Sqlite"/>.</summary>
    public const string DbSystem = "db.system.name";

    /// <summary>The OpenTelemetry database namespace attribute: the store's file path (or its in-memory name).</summary>
    public const string DbNamespace = "db.namespace";

    /// <summary>The OpenTelemetry database operation attribute.</summary>
    public const string DbOperation = "db.operation.name";

    /// <summary>The OpenTelemetry attribute for the text of a query (recorded only when an option opts in).</summary>
    public const string DbQueryText = "db.query.text";

    /// <summary>The OpenTelemetry attribute for the rows a query returned.</summary>
    public const string DbReturnedRows = "db.response.returned_rows";

    /// <summary>The OpenTelemetry attribute that classifies a failure.</summary>
    public const string ErrorType = "error.type";

    /// <summary>The OpenTelemetry HTTP response status attribute.</summary>
    public const string HttpStatusCode = "http.response.status_code";

    /// <summary>The id of the source a sync or an HTTP request belongs to.</summary>
    public const string Source = "oxidemirror.source";

    /// <summary>The resource a delta or an HTTP request belongs to.</summary>
    public const string Resource = "oxidemirror.resource";

    /// <summary>What applying a delta did: <c>applied</c>, <c>skipped</c>, <c>unchanged</c> or <c>duplicate</c>.</summary>
    public const string Outcome = "oxidemirror.outcome";

    /// <summary>Why an HTTP source waited before a retry: <c>retry_after</c> (the server said how long) or <c>backoff</c>.</summary>
    public const string WaitReason = "oxidemirror.wait.reason";

    /// <summary>The number of a page within its sync, from 1.</summary>
    public const string Page = "oxidemirror.page";

    /// <summary>The number of deltas a page held.</summary>
    public const string Deltas = "oxidemirror.deltas";

    /// <summary>The value of <see cref="DbSystem"/>.</summary>
    public const string Sqlite = "sqlite";

    /// <summary>
    /// Classifies a failure for <c>error.type</c>: a <see cref="MirrorException"/>'s stable <see cref="MirrorException.Code"/>,
    /// <see cref="MirrorErrorCodes.Cancelled"/> for a cancellation, otherwise the exception's full type name (as the
    /// OpenTelemetry conventions suggest), so that the values stay few and stable.
    /// </summary>
    public static string ErrorTypeOf(Exception error) => error switch
    {
        MirrorException mirror => mirror.Code,
        OperationCanceledException => MirrorErrorCodes.Cancelled,
        _ => error.GetType().FullName ?? error.GetType().Name,
    };
}
