namespace OxideMirror.PostgreSql.Tests;

/// <summary>A theory that needs the throwaway PostgreSQL server; skipped like <see cref="PostgresFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    /// <summary>Initializes a new instance of the <see cref="PostgresTheoryAttribute"/> class.</summary>
    public PostgresTheoryAttribute()
    {
        if (PostgresBinaries.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
