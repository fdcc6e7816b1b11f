namespace OxideMirror.Http;

/// <summary>
/// Configures one resource (endpoint) of an <see cref="HttpSource"/>: where its records are, which fields are the
/// id and the event time, how it pages, and whether it syncs incrementally or deletes what a full pass no longer lists.
/// </summary>
public sealed class HttpResourceOptions
{
    /// <summary>Gets or sets the resource's name in the mirror, which is also its table name, for example <c>customers</c>.</summary>
    /// <value>The default is empty, which is refused: every resource needs a name.</value>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the endpoint's path relative to <see cref="HttpSourceOptions.BaseAddress"/>, or an absolute URL.</summary>
    /// <value>The default is empty, which requests the base address itself.</value>
    public string Path { get; set; } = string.Empty;

    /// <summary>Gets the query parameters sent with the first page (and every page the paginator builds itself). Never put credentials here: use the source's auth options.</summary>
    public IDictionary<string, string> Query { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets where the records array is in the body, as dot-separated property names, for example <c>data.items</c>.</summary>
    /// <value>The default is <see langword="null"/>: the body itself is the array.</value>
    public string? RecordsPath { get; set; }

    /// <summary>Gets or sets the record field (a string or number) that is the record's id.</summary>
    /// <value>The default is <c>id</c>.</value>
    public string IdField { get; set; } = "id";

    /// <summary>Gets or sets the record field that says when the record last changed (an ISO 8601 string or Unix seconds), or <see langword="null"/> to use the time of the fetch.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? EventTimeField { get; set; }

    /// <summary>Gets or sets how the resource pages.</summary>
    /// <value>The default is <see cref="HttpPaginator.None"/>.</value>
    public HttpPaginator Paginator { get; set; } = HttpPaginator.None;

    /// <summary>
    /// Gets or sets the query parameter that asks for records changed since a time (for example <c>updated_since</c>),
    /// which makes the resource incremental: each pass sends the largest event time seen so far, less <see cref="SinceLag"/>.
    /// Needs <see cref="EventTimeField"/>.
    /// </summary>
    /// <value>The default is <see langword="null"/>: every pass is a full refresh.</value>
    public string? SinceParameter { get; set; }

    /// <summary>Gets or sets how far before the largest event time seen an incremental pass starts, to catch late writes.</summary>
    /// <value>The default is zero.</value>
    public TimeSpan SinceLag { get; set; }

    /// <summary>Gets or sets the format of the <see cref="SinceParameter"/> value: a .NET date format applied to the UTC time, or <c>unix</c> for Unix seconds.</summary>
    /// <value>The default is <c>yyyy-MM-dd'T'HH:mm:ss.fff'Z'</c>.</value>
    public string SinceFormat { get; set; } = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>
    /// Gets or sets whether records of this source that a complete full-refresh pass did not list become tombstones: the
    /// last page of a pass reports it in <see cref="PullResult.CompletedPasses"/>, and the syncer deletes the records it
    /// did not list in that page's transaction. Needs no <see cref="SinceParameter"/>. A pass this instance did not see
    /// from its first page (one resumed from a stored cursor after a restart) deletes nothing; the next complete one does.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool DeleteMissing { get; set; }
}
