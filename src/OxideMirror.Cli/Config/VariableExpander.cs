using System.Text;

namespace OxideMirror.Cli.Config;

/// <summary>
/// Replaces <c>${NAME}</c> in a configuration value with the environment variable <c>NAME</c>, so a file can say
/// <c>"BearerToken": "${GITHUB_TOKEN}"</c> and hold no secret. <c>$${</c> stands for a literal <c>${</c>. A variable
/// that is not set is an error (never an empty string), and so is a <c>${</c> without its <c>}</c> or a name that is
/// not letters, digits and underscores.
/// </summary>
internal static class VariableExpander
{
    /// <summary>Returns the value with every variable replaced, or the problem as a sentence (in <paramref name="problem"/>).</summary>
    public static string? Expand(string value, IReadOnlyDictionary<string, string> environment, out string? problem)
    {
        problem = null;
        if (!value.Contains("${", StringComparison.Ordinal))
        {
            return value;
        }

        var result = new StringBuilder(value.Length);
        var i = 0;
        while (i < value.Length)
        {
            if (value.AsSpan(i).StartsWith("$${"))
            {
                result.Append("${");
                i += 3;
                continue;
            }

            if (value[i] == '$' && value.AsSpan(i).StartsWith("${"))
            {
                var end = value.IndexOf('}', i + 2);
                if (end < 0)
                {
                    problem = $"'{value}' has a '${{' without its closing '}}'. Write ${{NAME}} for the environment variable NAME, or $${{ for a literal '${{'.";
                    return null;
                }

                var name = value[(i + 2)..end];
                if (!IsName(name))
                {
                    problem = $"'${{{name}}}' is not an environment variable reference: a name is letters, digits and underscores, not starting with a digit. Write ${{NAME}}, or $${{ for a literal '${{'.";
                    return null;
                }

                if (!environment.TryGetValue(name, out var replacement))
                {
                    problem = $"it refers to the environment variable {name}, which is not set. Set it before running oxide-mirror (export {name}=...), or write the value in the file.";
                    return null;
                }

                result.Append(replacement);
                i = end + 1;
                continue;
            }

            result.Append(value[i]);
            i++;
        }

        return result.ToString();
    }

    private static bool IsName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
