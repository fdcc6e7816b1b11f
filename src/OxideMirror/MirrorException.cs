namespace OxideMirror;

/// <summary>
/// Represents a failure of the mirror itself: bad input, a refused query, an unknown source or an
/// incompatible database. Catch this type to handle every OxideMirror failure in one place.
/// </summary>
public class MirrorException : Exception
{
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
}
