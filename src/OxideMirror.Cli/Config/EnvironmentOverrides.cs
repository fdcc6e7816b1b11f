using Microsoft.Extensions.Configuration;

namespace OxideMirror.Cli.Config;

/// <summary>
/// Reads configuration keys from environment variables named <c>OXIDEMIRROR__</c> + the key with <c>__</c> for each
/// <c>:</c> (<c>OXIDEMIRROR__Sources__0__BearerToken</c> sets <c>Sources:0:BearerToken</c>), the same mapping as
/// Microsoft.Extensions.Configuration.EnvironmentVariables. It reads the environment it is given rather than the
/// process's, so that the tool's entry point takes its environment as an argument, as it takes its arguments.
/// </summary>
internal sealed class EnvironmentOverrides(IReadOnlyDictionary<string, string> environment) : ConfigurationProvider, IConfigurationSource
{
    /// <summary>The prefix every override starts with (matched without regard to case).</summary>
    public const string Prefix = "OXIDEMIRROR__";

    private readonly Dictionary<string, string> _variables = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Returns the environment variable that sets a key or a key below it, or <see langword="null"/>.</summary>
    public string? VariableFor(string key) =>
        _variables.FirstOrDefault(v => v.Key.Equals(key, StringComparison.OrdinalIgnoreCase)
            || v.Key.StartsWith(key + ConfigurationPath.KeyDelimiter, StringComparison.OrdinalIgnoreCase)).Value;

    public override void Load()
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        _variables.Clear();
        foreach (var (name, value) in environment.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (name.Length > Prefix.Length && name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            {
                var key = name[Prefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal);
                data[key] = value;
                _variables[key] = name;
            }
        }

        Data = data;
    }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;
}
