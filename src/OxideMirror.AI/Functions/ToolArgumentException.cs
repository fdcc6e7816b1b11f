namespace OxideMirror.AI;

/// <summary>A tool argument the model sent is missing, of the wrong type or out of range; the tool answers it as <see cref="MirrorErrorCodes.BadRequest"/>.</summary>
internal sealed class ToolArgumentException(string message) : ArgumentException(message);
