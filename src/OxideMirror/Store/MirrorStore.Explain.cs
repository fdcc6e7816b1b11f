namespace OxideMirror;

public sealed partial class MirrorStore
{
    /// <summary>
    /// Explains a record's current payload field by field: for each top-level field, the source and event that set it, with
    /// that event's confidence and times. Most useful after <see cref="MergeJson"/> combined several sources.
    /// </summary>
    /// <param name="resource">The resource, for example <c>customers</c>.</param>
    /// <param name="recordId">The record's id.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The explanation, or <see langword="null"/> when the record was never seen or is deleted.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> or <paramref name="recordId"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="resource"/> or <paramref name="recordId"/> is empty or white space.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    /// <remarks>
    /// <para>
    /// Thread-safe. Walks the record's applied events from the newest back, a page at a time through the log's
    /// <c>(resource, record_id)</c> index, and only as far as needed. A field belongs to the newest applied event whose
    /// incoming payload holds that key with the field's current value. The walk ends at the event that replaced the whole
    /// record (an insert, a non-merged update, or a compaction snapshot), which owns every field not yet explained, for
    /// example a nested object that a merge combined from several sources.
    /// </para>
    /// <para>
    /// Events newer than the record's version are ignored, so a batch committed during the walk cannot skew it. A field
    /// the log cannot account for (its events were removed without a snapshot) is attributed to the record's last
    /// change, with <see cref="FieldProvenance.Position"/> 0.
    /// </para>
    /// </remarks>
    public Task<RecordExplanation?> ExplainAsync(string resource, string recordId, CancellationToken cancellationToken = default)
    {
        Ids.ThrowIfBlank(resource);
        Ids.ThrowIfBlank(recordId);
        return ReadAsync((connection, token) => FieldExplainer.ExplainLiveAsync(connection, resource, recordId, token), cancellationToken);
    }
}
