namespace OxideMirror;

/// <summary>
/// Reports what applying one delta did.
/// </summary>
/// <param name="Applied">Whether the record changed.</param>
/// <param name="Decision">What happened, including why nothing did.</param>
/// <param name="Version">The record's version afterwards (0 when the record has never existed).</param>
public readonly record struct AppliedDelta(bool Applied, ApplyDecision Decision, long Version);
