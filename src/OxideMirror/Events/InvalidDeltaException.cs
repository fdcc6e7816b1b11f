namespace OxideMirror;

/// <summary>
/// Thrown when a <see cref="Delta"/> cannot be applied because one of its fields is invalid.
/// Nothing of the batch that carried it is written.
/// </summary>
public sealed class InvalidDeltaException : MirrorException
{
    /// <summary>Initializes a new instance of the <see cref="InvalidDeltaException"/> class.</summary>
    /// <param name="field">The name of the invalid field, for example <c>RecordId</c>.</param>
    /// <param name="message">A full sentence that quotes the bad value and says how to fix it.</param>
    public InvalidDeltaException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    /// <summary>Gets the name of the invalid field, for example <c>RecordId</c> or <c>Provenance.Confidence</c>.</summary>
    public string Field { get; }

    /// <summary>Gets the zero-based position of the delta in its batch, or -1 when it was applied on its own.</summary>
    public int Index { get; init; } = -1;

    /// <inheritdoc />
    public override string Code => MirrorErrorCodes.InvalidDelta;
}
