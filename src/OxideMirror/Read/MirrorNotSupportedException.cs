namespace OxideMirror;

/// <summary>
/// The exception thrown when a <see cref="MirrorReader"/> is asked for a read its store does not serve (a query plan or
/// a word search on a store without them; see <see cref="MirrorReader.Capabilities"/>). The message names the store and
/// what to use instead. Check <see cref="MirrorReader.Capabilities"/> first to avoid it.
/// </summary>
public sealed class MirrorNotSupportedException : MirrorException
{
    /// <summary>Initializes a new instance of the <see cref="MirrorNotSupportedException"/> class.</summary>
    /// <param name="capability">The capability the call needs.</param>
    /// <param name="message">The message: the store, the read it lacks, and what to use instead.</param>
    public MirrorNotSupportedException(MirrorReaderCapabilities capability, string message)
        : base(message)
    {
        Capability = capability;
    }

    /// <summary>Gets the capability the call needs and the store lacks.</summary>
    public MirrorReaderCapabilities Capability { get; }

    /// <inheritdoc/>
    public override string Code => MirrorErrorCodes.NotSupported;
}
