namespace OxideMirror.Kernel;

/// <summary>Describes a module to its host: who it is, what kind of module, and what it does.</summary>
/// <param name="Id">The id commands address the module by, for example <c>mirror</c>.</param>
/// <param name="Name">A human-readable name.</param>
/// <param name="Version">The module's version.</param>
/// <param name="Kind">The kind of module, for example <c>data</c>.</param>
/// <param name="Description">One sentence on what the module does.</param>
public sealed record ModuleInfo(string Id, string Name, string Version, string Kind, string Description);
