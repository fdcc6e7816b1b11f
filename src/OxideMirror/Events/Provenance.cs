namespace OxideMirror;

/// <summary>
/// Says where a change came from and how much it is trusted.
/// </summary>
/// <param name="Source">The id of the source that reported the change, for example <c>"stripe"</c>.</param>
/// <param name="Confidence">How much the source is trusted for this change, from 0 to 1 inclusive. The default is 1.</param>
/// <remarks>Values are checked when a delta is applied, not here, so that a source can report them and the store can refuse them with an <see cref="InvalidDeltaException"/>.</remarks>
public sealed record Provenance(string Source, double Confidence = 1.0);
