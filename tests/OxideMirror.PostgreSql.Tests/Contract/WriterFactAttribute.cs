using OxideMirror.PostgreSql.Tests;

namespace OxideMirror.Contract.Tests;

/// <summary>
/// A fact of the shared writer contract suite over the PostgreSQL store: skipped, with the install command in the reason,
/// when no server binaries are found — unless <c>OXIDEMIRROR_REQUIRE_POSTGRES=1</c> (as <see cref="PostgresFactAttribute"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class WriterFactAttribute : FactAttribute
{
    /// <summary>Initializes a new instance of the <see cref="WriterFactAttribute"/> class.</summary>
    public WriterFactAttribute()
    {
        if (PostgresBinaries.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
