namespace OxideMirror.Tests.Query;

/// <summary>
/// Runs the memory bombs and the bound measurements alone, after the parallel tests: they read SQLite's process-wide
/// high-water mark, the kernel's peak RSS and elapsed times, which other tests running beside them would disturb.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryHeavyQueries
{
    public const string Name = "Memory-heavy queries";
}
