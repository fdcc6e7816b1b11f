namespace OxideMirror.Kernel;

/// <summary>Carries a stable error code and a message from a command handler to the <c>.err</c> event that answers it.</summary>
internal sealed class CommandFailure : Exception
{
    public CommandFailure(string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    public CommandFailure()
    {
        Code = MirrorErrorCodes.Internal;
    }

    public CommandFailure(string message)
        : this(MirrorErrorCodes.Internal, message)
    {
    }

    public CommandFailure(string message, Exception innerException)
        : this(MirrorErrorCodes.Internal, message, innerException)
    {
    }

    public string Code { get; }
}
