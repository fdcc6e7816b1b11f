namespace OxideMirror.Kernel;

/// <summary>The most a <c>query</c> command may ask for, and what it gets when it asks for nothing: the host's ceilings from <see cref="MirrorModuleOptions"/>, or the store's own limits.</summary>
/// <param name="MaxRows">The most rows, <c>max_rows</c>.</param>
/// <param name="MaxBytes">The most bytes of JSON, <c>max_bytes</c>.</param>
/// <param name="TimeoutMs">The longest time limit in milliseconds, <c>timeout_ms</c>.</param>
internal sealed record QueryCeilings(int MaxRows, long MaxBytes, long TimeoutMs);
