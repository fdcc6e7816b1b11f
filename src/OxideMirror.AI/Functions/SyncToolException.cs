namespace OxideMirror.AI;

/// <summary>A source failed during the <c>sync</c> tool with an exception that is not a <see cref="MirrorException"/>; answered as <see cref="MirrorErrorCodes.SyncFailed"/>.</summary>
internal sealed class SyncToolException(string message, Exception inner) : Exception(message, inner);
