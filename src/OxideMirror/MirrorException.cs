namespace OxideMirror;

/// <summary>
/// Represents a failure of the mirror itself: bad input, a refused query, an unknown source or an
/// incompatible database. Catch this type to handle every OxideMirror failure in one place, and branch on
/// <see cref="Code"/> rather than on the message, which may be reworded.
/// </summary>
public class MirrorException : Exception
{
    private readonly string? _code;

    /// <summary>Initializes a new instance of the <see cref="MirrorException"/> class.</summary>
    public MirrorException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MirrorException"/> class with a message.</summary>
    /// <param name="message">A full sentence that says what went wrong and what to do.</param>
    public MirrorException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MirrorException"/> class with a message and a cause.</summary>
    /// <param name="message">A full sentence that says what went wrong and what to do.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public MirrorException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    internal MirrorException(string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        _code = code;
    }

    /// <summary>Gets the failure's stable error code, one of <see cref="MirrorErrorCodes"/>; it never changes for a kind of failure, where the message may.</summary>
    /// <value><see cref="MirrorErrorCodes.Failed"/> unless the type or the failure has a more specific code.</value>
    public virtual string Code => _code ?? MirrorErrorCodes.Failed;
}
