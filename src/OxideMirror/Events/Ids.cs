using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace OxideMirror;

/// <summary>
/// The one rule for the ids and names a caller hands the mirror (a resource, a record id, a source id, a delta id, a
/// store's path): null, empty or only white space (as <see cref="char.IsWhiteSpace(char)"/> judges it) names nothing, and
/// is refused. A delta is refused with an <see cref="InvalidDeltaException"/> naming the field; an argument with an
/// <see cref="ArgumentException"/>; the syncer and the HTTP source refuse a source id or a resource name by the same test.
/// </summary>
internal static class Ids
{
    /// <summary>Tells whether <paramref name="value"/> names nothing: null, empty or only white space.</summary>
    public static bool IsBlank([NotNullWhen(false)] string? value) => string.IsNullOrWhiteSpace(value);

    /// <summary>Throws for an argument that <see cref="IsBlank"/> judges to name nothing.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> is empty or only white space.</exception>
    public static void ThrowIfBlank([NotNull] string? value, [CallerArgumentExpression(nameof(value))] string? paramName = null) =>
        ArgumentException.ThrowIfNullOrWhiteSpace(value, paramName);
}
