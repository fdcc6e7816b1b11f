namespace OxideMirror.PostgreSql.Tests;

/// <summary>
/// A fact that needs the throwaway PostgreSQL server. xUnit v2 has no dynamic skip, so the attribute sets
/// <see cref="FactAttribute.Skip"/> itself when no server binaries are found (the reason says how to install them) —
/// unless <c>OXIDEMIRROR_REQUIRE_POSTGRES=1</c>, when the test runs and the fixture's start fails it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresFactAttribute : FactAttribute
{
    /// <summary>Initializes a new instance of the <see cref="PostgresFactAttribute"/> class.</summary>
    public PostgresFactAttribute()
    {
        if (PostgresBinaries.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
