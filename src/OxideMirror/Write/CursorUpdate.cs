namespace OxideMirror;

/// <summary>
/// Names a cursor to store in the same transaction as a batch of deltas.
/// </summary>
/// <param name="Source">The source the cursor belongs to.</param>
/// <param name="Cursor">The cursor to store; <see langword="null"/> clears it, so the next sync starts from the beginning.</param>
/// <param name="Resource">The resource the cursor belongs to, or <c>"*"</c> (the default) for the whole source.</param>
public sealed record CursorUpdate(string Source, string? Cursor, string Resource = "*");
