using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OxideMirror.Tests.Sources.Http;

/// <summary>An items API served in each paginator style, two items a page, filtered by <c>updated_since</c>; failures can be injected.</summary>
internal sealed class FakeItemsApi
{
    public const int PageSize = 2;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<int, (string Name, DateTimeOffset UpdatedAt)> _items = [];

    public FakeItemsApi(int count)
    {
        for (var i = 1; i <= count; i++)
        {
            Put(i, "item " + i, Start.AddMinutes(i));
        }
    }

    public static DateTimeOffset Start { get; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Gets or sets a hook that sees every request first; it returns true when it answered the request itself.</summary>
    public Func<HttpContext, Task<bool>>? Intercept { get; set; }

    public static IReadOnlyList<string> Styles { get; } = ["next", "link", "cursor", "offset", "page"];

    public void Put(int id, string name, DateTimeOffset updatedAt)
    {
        lock (_gate)
        {
            _items[id] = (name, updatedAt);
        }
    }

    public void Remove(int id)
    {
        lock (_gate)
        {
            _items.Remove(id);
        }
    }

    public static HttpResourceOptions Resource(string style, string name = "items")
    {
        var resource = new HttpResourceOptions { Name = name, Path = style, EventTimeField = "updated_at" };
        switch (style)
        {
            case "next":
                resource.RecordsPath = "data.items";
                resource.Paginator = HttpPaginator.NextUrlInBody("links.next");
                break;
            case "link":
                resource.Paginator = HttpPaginator.LinkHeader;
                break;
            case "cursor":
                resource.RecordsPath = "items";
                resource.Paginator = HttpPaginator.CursorToken("meta.next_cursor", "cursor");
                break;
            case "offset":
                resource.RecordsPath = "results";
                resource.Paginator = HttpPaginator.Offset(PageSize, totalPath: "total");
                break;
            case "page":
                resource.Paginator = HttpPaginator.PageNumber(pageSize: PageSize);
                break;
        }

        return resource;
    }

    public void Map(WebApplication app)
    {
        app.MapGet("/next", H(c => Serve(c, (items, start, more) => Results.Json(new
        {
            data = new { items },
            links = new { next = more ? "/next?page=" + (Int(c, "page", 1) + 1) + Since(c) : null },
        }))));
        app.MapGet("/link", H(c => Serve(c, (items, start, more) =>
        {
            if (more)
            {
                c.Response.Headers.Link = $"<{c.Request.Scheme}://{c.Request.Host}/link?page={Int(c, "page", 1) + 1}{Since(c)}>; rel=\"next\", </link?page=1>; rel=\"first\"";
            }

            return Results.Json(items);
        })));
        app.MapGet("/cursor", H(c => Serve(c, (items, start, more) => Results.Json(new
        {
            items,
            meta = new { next_cursor = more ? "c" + (start + PageSize) : null },
        }))));
        app.MapGet("/offset", H(c => Serve(c, (items, start, more) => Results.Json(new { results = items, total = Snapshot(c).Count }))));
        app.MapGet("/page", H(c => Serve(c, (items, start, more) => Results.Json(items))));
    }

    private static Delegate H(Func<HttpContext, Task<IResult>> handler) => handler;

    private async Task<IResult> Serve(HttpContext c, Func<List<object>, int, bool, IResult> shape)
    {
        if (Intercept is { } intercept && await intercept(c))
        {
            return Results.Empty;
        }

        var all = Snapshot(c);
        var path = c.Request.Path.Value!;
        var start = path switch
        {
            "/cursor" => c.Request.Query["cursor"].FirstOrDefault() is { } token ? int.Parse(token[1..], CultureInfo.InvariantCulture) : 0,
            "/offset" => Int(c, "offset", 0),
            _ => (Int(c, "page", 1) - 1) * PageSize,
        };
        var size = path == "/offset" ? Int(c, "limit", PageSize) : PageSize;
        var page = all.Skip(start).Take(size).ToList();
        return shape(page, start, start + size < all.Count);
    }

    private List<object> Snapshot(HttpContext c)
    {
        DateTimeOffset? since = c.Request.Query["updated_since"].FirstOrDefault() is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture) : null;
        lock (_gate)
        {
            return [.. _items.Where(i => since is null || i.Value.UpdatedAt >= since)
                .Select(i => (object)new { id = i.Key, name = i.Value.Name, updated_at = i.Value.UpdatedAt.ToString("O", CultureInfo.InvariantCulture) })];
        }
    }

    private static int Int(HttpContext c, string name, int fallback) =>
        c.Request.Query[name].FirstOrDefault() is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static string Since(HttpContext c) =>
        c.Request.Query["updated_since"].FirstOrDefault() is { } since ? "&updated_since=" + Uri.EscapeDataString(since) : "";
}
