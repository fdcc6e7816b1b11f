namespace OxideMirror;

/// <summary>
/// Reads an agent query's parameters (an anonymous object or a dictionary) by the rule both stores' query paths share,
/// for a store other than <see cref="MirrorStore"/>: a name binds the SQL parameter <c>@name</c>, <c>:name</c> or
/// <c>$name</c> whatever its case, with or without one leading <c>@</c>, <c>:</c> or <c>$</c>; two names that would
/// bind the same SQL parameter are refused.
/// </summary>
public static class QueryParameterSet
{
    /// <summary>Reads the parameters, keyed by name without its prefix, compared without regard to case.</summary>
    /// <param name="parameters">An anonymous object, a dictionary, or <see langword="null"/> for none.</param>
    /// <returns>The values by name, as given.</returns>
    /// <exception cref="QueryException">Two names bind the same SQL parameter.</exception>
    public static IReadOnlyDictionary<string, object?> Read(object? parameters) => QueryParameters.Read(parameters);

    /// <summary>Builds the message for SQL that uses a parameter no value was passed for.</summary>
    /// <param name="name">The parameter as the SQL spells it, prefix included (<c>@customer_id</c>).</param>
    /// <returns>A full sentence that names the parameter and the fix.</returns>
    public static string Missing(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = QueryParameters.Key(name);
        return $"The query uses the parameter {name}, but no value named '{key}' was passed. Pass it in the parameters object, for example new {{ {key} = ... }}.";
    }
}
