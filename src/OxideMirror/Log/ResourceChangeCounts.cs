namespace OxideMirror;

/// <summary>Counts the records of one resource that a <see cref="ChangeSet"/> reports as inserted, updated and deleted.</summary>
/// <param name="Inserted">How many records were inserted.</param>
/// <param name="Updated">How many records were updated.</param>
/// <param name="Deleted">How many records were deleted.</param>
public readonly record struct ResourceChangeCounts(int Inserted, int Updated, int Deleted);
