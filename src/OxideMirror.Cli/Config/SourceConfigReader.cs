using Microsoft.Extensions.Configuration;
using OxideMirror.Http;

namespace OxideMirror.Cli.Config;

/// <summary>Reads <c>Sources</c>: one <see cref="HttpSourceOptions"/> per element, every option under its own name, and its <c>Resources</c>.</summary>
internal static class SourceConfigReader
{
    public static readonly string[] SourceKeys =
    [
        "Id", "BaseAddress", "Resources", "BearerToken", "ApiKeyHeader", "ApiKey", "Headers", "RequestTimeout", "MaxResponseBytes",
        "MaxRetries", "RetryBaseDelay", "MaxRetryDelay", "RequestsPerSecond", "MaxConcurrency", "SyncInterval",
    ];

    public static readonly string[] ResourceKeys =
    [
        "Name", "Path", "Query", "RecordsPath", "IdField", "EventTimeField", "Paginator", "SinceParameter", "SinceLag", "SinceFormat", "DeleteMissing",
    ];

    public static IReadOnlyList<SourceConfig> ReadAll(IConfigurationSection top, ConfigReader reader)
    {
        var elements = reader.Array(top, "Sources", "HTTP sources");
        if (elements.Count == 0 && !top.GetSection("Sources").GetChildren().Any() && reader.Errors.Count == 0)
        {
            reader.Error("Sources", "Sources is missing or empty. Add at least one source: { \"Id\": \"crm\", \"BaseAddress\": \"https://api.example.com/\", \"Resources\": [ { \"Name\": \"customers\", \"Path\": \"customers\" } ] }.");
        }

        var sources = new List<SourceConfig>();
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var element in elements)
        {
            if (Read(element, reader) is { } source)
            {
                if (ids.TryGetValue(source.Id, out var first))
                {
                    reader.Error(element.GetSection("Id").Path, $"{element.GetSection("Id").Path} is '{source.Id}', already the id of {first}. Give every source a unique id.");
                    continue;
                }

                ids[source.Id] = element.Path;
                sources.Add(source);
            }
        }

        return sources;
    }

    private static SourceConfig? Read(IConfigurationSection s, ConfigReader reader)
    {
        var before = reader.Errors.Count;
        reader.OnlyKeys(s, "an HTTP source", SourceKeys, ($"each resource, in {s.Path}:Resources", ResourceKeys));
        var options = new HttpSourceOptions { Id = reader.String(s, "Id", required: true, hint: "to the source's unique id, for example \"github\"") ?? "" };
        if (reader.String(s, "BaseAddress") is { } baseAddress)
        {
            if (Uri.TryCreate(baseAddress, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                // Resource paths are relative to it, so without a final slash its last segment would be dropped.
                options.BaseAddress = uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
            }
            else
            {
                reader.Error(s.GetSection("BaseAddress").Path, $"{s.GetSection("BaseAddress").Path} is '{baseAddress}', which is not an absolute http(s) URL. Use a full URL such as \"https://api.example.com/v1/\".");
            }
        }

        options.BearerToken = Credential(s, "BearerToken", reader);
        options.ApiKeyHeader = Credential(s, "ApiKeyHeader", reader);
        options.ApiKey = Credential(s, "ApiKey", reader);
        if ((options.ApiKeyHeader is null) != (options.ApiKey is null))
        {
            var missing = options.ApiKey is null ? "ApiKey" : "ApiKeyHeader";
            reader.Error(s.GetSection(missing).Path, $"{s.GetSection(missing).Path} is missing: ApiKeyHeader (the header's name) and ApiKey (the key) go together. Set both, or neither.");
        }

        foreach (var (name, value) in reader.Map(s, "Headers"))
        {
            options.Headers[name] = value;
        }

        options.RequestTimeout = reader.Duration(s, "RequestTimeout", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1), allowInfinite: true) ?? options.RequestTimeout;
        options.MaxResponseBytes = reader.Long(s, "MaxResponseBytes", 1, System.Array.MaxLength) ?? options.MaxResponseBytes;
        options.MaxRetries = reader.Int(s, "MaxRetries", 0, 100) ?? options.MaxRetries;
        options.RetryBaseDelay = reader.Duration(s, "RetryBaseDelay", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1)) ?? options.RetryBaseDelay;
        options.MaxRetryDelay = reader.Duration(s, "MaxRetryDelay", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1)) ?? options.MaxRetryDelay;
        if (options.MaxRetryDelay < options.RetryBaseDelay)
        {
            reader.Error(s.GetSection("MaxRetryDelay").Path, $"{s.GetSection("MaxRetryDelay").Path} ({options.MaxRetryDelay}) is less than RetryBaseDelay ({options.RetryBaseDelay}). Set MaxRetryDelay to at least RetryBaseDelay.");
        }

        options.RequestsPerSecond = reader.Double(s, "RequestsPerSecond", 0, 1_000_000) ?? options.RequestsPerSecond;
        options.MaxConcurrency = reader.Int(s, "MaxConcurrency", 1, 1024) ?? options.MaxConcurrency;
        var interval = reader.Duration(s, "SyncInterval", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(24));
        var resources = reader.Array(s, "Resources", "resources");
        if (resources.Count == 0 && !s.GetSection("Resources").GetChildren().Any())
        {
            reader.Error(s.GetSection("Resources").Path, $"{s.GetSection("Resources").Path} is missing or empty. Add at least one resource: {{ \"Name\": \"customers\", \"Path\": \"customers\" }}.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var element in resources)
        {
            if (ReadResource(element, options, reader) is { } resource)
            {
                if (!names.Add(resource.Name))
                {
                    reader.Error(element.GetSection("Name").Path, $"{element.GetSection("Name").Path} is '{resource.Name}', the name of another resource of this source. Give every resource a unique name.");
                }

                options.Resources.Add(resource);
            }
        }

        if (reader.Errors.Count > before)
        {
            return null;
        }

        // The source checks its options itself too; what it refuses that the checks above let through is reported at the source.
        try
        {
            using var check = new HttpSource(options);
        }
        catch (ArgumentException e)
        {
            reader.Error(s.Path, $"{s.Path} (source '{options.Id}') cannot be created: {e.Message}");
            return null;
        }

        return new SourceConfig { Key = s.Path, Id = options.Id, SyncInterval = interval, Options = options };
    }

    /// <summary>Reads a credential; an empty one (often a variable that is set but empty) is an error, not a request without credentials.</summary>
    private static string? Credential(IConfigurationSection s, string key, ConfigReader reader)
    {
        var value = reader.String(s, key);
        if (value is not null && string.IsNullOrWhiteSpace(value))
        {
            var variable = s.GetSection(key).Value is { } raw && raw.Contains("${", StringComparison.Ordinal) ? $" ('{raw}' names an environment variable that is set but empty)" : "";
            reader.Error(s.GetSection(key).Path, $"{s.GetSection(key).Path} is empty{variable}. Set the credential, or leave {key} out.");
            return null;
        }

        return value;
    }

    private static HttpResourceOptions? ReadResource(IConfigurationSection r, HttpSourceOptions source, ConfigReader reader)
    {
        var before = reader.Errors.Count;
        reader.OnlyKeys(r, "a resource", ResourceKeys, ("the source, one level up", SourceKeys));
        var resource = new HttpResourceOptions
        {
            Name = reader.String(r, "Name", required: true, hint: "to the resource's table name, for example \"customers\"") ?? "",
            Path = reader.String(r, "Path") ?? "",
            RecordsPath = reader.String(r, "RecordsPath"),
            IdField = reader.String(r, "IdField") ?? "id",
            EventTimeField = reader.String(r, "EventTimeField"),
            SinceParameter = reader.String(r, "SinceParameter"),
            SinceFormat = reader.String(r, "SinceFormat") ?? new HttpResourceOptions().SinceFormat,
            SinceLag = reader.Duration(r, "SinceLag", TimeSpan.Zero, TimeSpan.FromDays(3650)) ?? TimeSpan.Zero,
            DeleteMissing = reader.Bool(r, "DeleteMissing") ?? false,
            Paginator = PaginatorConfigReader.Read(r.GetSection("Paginator"), reader),
        };
        foreach (var (name, value) in reader.Map(r, "Query"))
        {
            resource.Query[name] = value;
        }

        if (source.BaseAddress is null && !Uri.TryCreate(resource.Path, UriKind.Absolute, out _) && reader.Errors.Count == before)
        {
            reader.Error(r.GetSection("Path").Path, $"{r.GetSection("Path").Path} is '{resource.Path}', which is relative, and the source has no BaseAddress. Set the source's BaseAddress, or make Path an absolute URL.");
        }

        if (resource.SinceParameter is not null && resource.EventTimeField is null)
        {
            reader.Error(r.GetSection("SinceParameter").Path, $"{r.GetSection("SinceParameter").Path} is '{resource.SinceParameter}', which needs EventTimeField, the field whose largest value the next pass asks from. Set EventTimeField, or remove SinceParameter.");
        }

        if (resource.DeleteMissing && resource.SinceParameter is not null)
        {
            reader.Error(r.GetSection("DeleteMissing").Path, $"{r.GetSection("DeleteMissing").Path} is true, but SinceParameter makes every pass incremental, and an incremental pass does not list every record. Remove one of them.");
        }

        return reader.Errors.Count > before ? null : resource;
    }
}
