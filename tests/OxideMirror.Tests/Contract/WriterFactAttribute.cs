namespace OxideMirror.Contract.Tests;

/// <summary>A fact of the shared writer contract suite; over the SQLite store it always runs.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class WriterFactAttribute : FactAttribute
{
}
