namespace OxideMirror.Tests.Agents;

/// <summary>
/// Runs the memory bombs alone, after the parallel tests: the query path's memory budget reads SQLite's heap, which is
/// process-wide, so a bomb running beside another test's query could stop that query early.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryHeavyQueries
{
    public const string Name = "Memory-heavy queries";
}
