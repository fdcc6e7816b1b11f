namespace OxideMirror;

/// <summary>
/// Says that a record was deleted, when and by which source, so that "deleted" can be told from "never seen".
/// </summary>
/// <param name="Resource">The resource the record belonged to.</param>
/// <param name="RecordId">The record's id.</param>
/// <param name="DeletedAt">When the mirror applied the delete.</param>
/// <param name="OccurredAt">When the delete happened at its source.</param>
/// <param name="Source">The source that reported the delete.</param>
/// <param name="Version">The record's version after the delete.</param>
public sealed record Tombstone(string Resource, string RecordId, DateTimeOffset DeletedAt, DateTimeOffset OccurredAt, string Source, long Version);
