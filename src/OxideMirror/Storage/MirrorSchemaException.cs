namespace OxideMirror;

/// <summary>
/// Thrown when a database cannot be used as a mirror: it was written by a newer OxideMirror, or it is not a
/// SQLite database at all. The file is left untouched.
/// </summary>
public sealed class MirrorSchemaException : MirrorException
{
    /// <summary>Initializes a new instance of the <see cref="MirrorSchemaException"/> class.</summary>
    /// <param name="message">A full sentence that says what was found and what to do.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public MirrorSchemaException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the schema version found in the database, or -1 when none could be read.</summary>
    public int FoundVersion { get; init; } = -1;

    /// <summary>Gets the newest schema version this build of OxideMirror knows.</summary>
    public int SupportedVersion { get; init; }

    /// <inheritdoc />
    public override string Code => MirrorErrorCodes.SchemaIncompatible;
}
