using Microsoft.Extensions.Configuration;

namespace OxideMirror.Cli.Config;

/// <summary>
/// Reads the <c>Search</c> section: for each resource to search by words, the payload fields its full-text index holds
/// (<c>"Search": { "github_issues": ["title", "body"] }</c>).
/// </summary>
internal static class SearchConfigReader
{
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Read(IConfigurationSection search, IReadOnlyList<SourceConfig> sources, ConfigReader reader)
    {
        var indexes = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (search.Value is { Length: > 0 })
        {
            reader.Error(search.Path, $"Search is '{search.Value}', but it takes an object of resource names and their fields, for example {{ \"issues\": [\"title\", \"body\"] }}.");
            return indexes;
        }

        var resources = sources.SelectMany(s => s.Options.Resources.Select(r => r.Name)).ToList();
        foreach (var resource in search.GetChildren())
        {
            var name = resources.Find(r => string.Equals(r, resource.Key, StringComparison.OrdinalIgnoreCase));
            if (name is null)
            {
                reader.Error(resource.Path, $"{resource.Path} names no resource of this configuration. The resources are: {(resources.Count == 0 ? "none" : string.Join(", ", resources))}.");
                continue;
            }

            var fields = new List<string>();
            foreach (var field in reader.Array(search, resource.Key, "field names"))
            {
                if (field.Value is not { Length: > 0 } value || field.GetChildren().Any())
                {
                    reader.Error(field.Path, $"{field.Path} must be a payload field's name, for example \"title\".");
                    continue;
                }

                fields.Add(value);
            }

            if (fields.Count == 0 && reader.Errors.Count == 0)
            {
                reader.Error(resource.Path, $"{resource.Path} lists no fields. List the payload fields to search, for example [\"title\", \"body\"], or remove {resource.Path}.");
                continue;
            }

            indexes[name] = fields;
        }

        return indexes;
    }
}
