namespace OxideMirror.Tests;

/// <summary>One row of <c>mirror_events</c>, as the tests read it back through <see cref="MirrorStore.QueryAsync(string, object?, CancellationToken)"/>.</summary>
internal sealed record EventRow(
    long Seq,
    string Resource,
    string RecordId,
    string Op,
    string? Payload,
    string? MergedPayload,
    string Source,
    double Confidence,
    string OccurredAt,
    string AppliedAt,
    bool Applied,
    string Decision,
    string Strategy,
    string? DeltaId,
    long Version);
