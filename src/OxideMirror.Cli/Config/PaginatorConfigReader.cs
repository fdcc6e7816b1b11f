using Microsoft.Extensions.Configuration;
using OxideMirror.Http;

namespace OxideMirror.Cli.Config;

/// <summary>
/// Reads a resource's <c>Paginator</c>: <c>{ "Type": "CursorToken", "TokenPath": "meta.next", "Parameter": "cursor" }</c>,
/// each type taking the parameters of its <see cref="HttpPaginator"/> factory under the same names; a type that takes
/// no parameters may be written as a string (<c>"Paginator": "LinkHeader"</c>). Missing, it is <c>None</c>.
/// </summary>
internal static class PaginatorConfigReader
{
    private static readonly (string Type, string[] Keys)[] Types =
    [
        ("None", []),
        ("LinkHeader", []),
        ("NextUrlInBody", ["FieldPath"]),
        ("CursorToken", ["TokenPath", "Parameter"]),
        ("Offset", ["Limit", "OffsetParameter", "LimitParameter", "TotalPath"]),
        ("PageNumber", ["Parameter", "FirstPage", "PageSize", "SizeParameter", "TotalPagesPath"]),
    ];

    private static string TypeList => string.Join(", ", Types.Select(t => t.Type));

    public static HttpPaginator Read(IConfigurationSection p, ConfigReader reader)
    {
        if (p.Value is { Length: > 0 } && !p.GetChildren().Any())
        {
            return Create(p, p.Value, shorthand: true, reader);
        }

        if (!p.GetChildren().Any())
        {
            return HttpPaginator.None;
        }

        var type = reader.String(p, "Type");
        if (type is null)
        {
            reader.Error(p.GetSection("Type").Path, $"{p.GetSection("Type").Path} is missing. Say how the resource pages: one of {TypeList} (docs/sources.md describes each).");
            return HttpPaginator.None;
        }

        return Create(p, type, shorthand: false, reader);
    }

    private static HttpPaginator Create(IConfigurationSection p, string type, bool shorthand, ConfigReader reader)
    {
        var typeKey = shorthand ? p.Path : p.GetSection("Type").Path;
        var match = Types.FirstOrDefault(t => t.Type.Equals(type, StringComparison.OrdinalIgnoreCase));
        if (match.Type is null)
        {
            reader.Error(typeKey, $"{typeKey} is '{type}', which is not a paginator type. Use one of {TypeList} (docs/sources.md describes each).");
            return HttpPaginator.None;
        }

        if (shorthand && match.Keys.Length > 0)
        {
            reader.Error(p.Path, $"{p.Path} is '{match.Type}', which needs settings ({string.Join(", ", match.Keys)}), so write it as an object: {{ \"Type\": \"{match.Type}\", ... }}.");
            return HttpPaginator.None;
        }

        if (!shorthand)
        {
            reader.OnlyKeys(p, $"{(match.Type is "Offset" ? "an" : "a")} {match.Type} paginator", ["Type", .. match.Keys]);
        }

        switch (match.Type)
        {
            case "LinkHeader":
                return HttpPaginator.LinkHeader;
            case "NextUrlInBody":
                return HttpPaginator.NextUrlInBody(NonBlank(p, "FieldPath", "next", reader));
            case "CursorToken":
                var tokenPath = reader.String(p, "TokenPath", required: true, hint: "to where the next cursor is in the body, for example \"meta.next_cursor\"");
                var parameter = reader.String(p, "Parameter", required: true, hint: "to the query parameter that sends the cursor back, for example \"cursor\"");
                return tokenPath is null || parameter is null ? HttpPaginator.None : HttpPaginator.CursorToken(tokenPath, parameter);
            case "Offset":
                var limit = reader.Int(p, "Limit", 1, int.MaxValue);
                if (limit is null && !p.GetSection("Limit").Exists())
                {
                    reader.Error(p.GetSection("Limit").Path, $"{p.GetSection("Limit").Path} is missing. Set how many records to ask for per page, for example 100.");
                }

                return limit is null
                    ? HttpPaginator.None
                    : HttpPaginator.Offset(limit.Value, NonBlank(p, "OffsetParameter", "offset", reader), NonBlank(p, "LimitParameter", "limit", reader), reader.String(p, "TotalPath"));
            case "PageNumber":
                return HttpPaginator.PageNumber(
                    NonBlank(p, "Parameter", "page", reader),
                    reader.Int(p, "FirstPage", 0, int.MaxValue) ?? 1,
                    reader.Int(p, "PageSize", 0, int.MaxValue) ?? 0,
                    NonBlank(p, "SizeParameter", "per_page", reader),
                    reader.String(p, "TotalPagesPath"));
            default:
                return HttpPaginator.None;
        }
    }

    private static string NonBlank(IConfigurationSection p, string key, string fallback, ConfigReader reader)
    {
        var value = reader.String(p, key);
        if (value is not null && string.IsNullOrWhiteSpace(value))
        {
            reader.Error(p.GetSection(key).Path, $"{p.GetSection(key).Path} is blank. Name the query parameter, or leave {key} out for \"{fallback}\".");
            return fallback;
        }

        return value ?? fallback;
    }
}
