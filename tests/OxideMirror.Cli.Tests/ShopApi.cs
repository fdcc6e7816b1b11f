using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using OxideMirror.Tests.Sources.Http;

namespace OxideMirror.Cli.Tests;

/// <summary>
/// A small shop API on loopback: <c>/customers</c> paged by page number (two a page, bearer token required),
/// <c>/orders</c> paged by a cursor token in <c>meta.next</c>, each order naming its customer; <c>/broken</c> answers 500, <c>/slow</c> never answers.
/// </summary>
internal sealed class ShopApi : IAsyncDisposable
{
    public const string Token = "shop-secret";

    private ShopApi(LoopbackServer server) => Server = server;

    public LoopbackServer Server { get; }

    public Uri BaseAddress => Server.BaseAddress;

    public static readonly (int Id, string Name, string Tier)[] Customers =
    [
        (1, "Acme Corp", "enterprise"), (2, "Initech", "enterprise"), (3, "Hooli", "startup"), (4, "Globex", "smb"), (5, "Umbrella", "smb"),
    ];

    public static readonly (int Id, int Customer, double Total)[] Orders =
    [
        (101, 1, 250.5), (102, 1, 99), (103, 2, 12.25), (104, 3, 1000), (105, 5, 5),
    ];

    public static async Task<ShopApi> StartAsync() => new(await LoopbackServer.StartAsync(Map));

    private static void Map(WebApplication app)
    {
        app.MapGet("/customers", (HttpContext c) =>
        {
            if (c.Request.Headers.Authorization != "Bearer " + Token)
            {
                return Results.StatusCode(401);
            }

            var page = int.Parse(c.Request.Query["page"].FirstOrDefault() ?? "1", CultureInfo.InvariantCulture);
            return Results.Json(Customers.Skip((page - 1) * 2).Take(2).Select(x => new { id = x.Id, name = x.Name, tier = x.Tier }));
        });
        app.MapGet("/orders", (HttpContext c) =>
        {
            var start = int.Parse(c.Request.Query["cursor"].FirstOrDefault() ?? "0", CultureInfo.InvariantCulture);
            var items = Orders.Skip(start).Take(2).Select(x => new { id = x.Id, customer_id = x.Customer, total = x.Total });
            var next = start + 2 < Orders.Length ? (start + 2).ToString(CultureInfo.InvariantCulture) : null;
            return Results.Json(new { data = items, meta = new { next } });
        });
        app.MapGet("/broken", () => Results.StatusCode(500));
        app.MapGet("/slow", async (HttpContext c) =>
        {
            await Task.Delay(Timeout.Infinite, c.RequestAborted);
            return Results.Json(Array.Empty<object>());
        });
    }

    /// <summary>Returns a configuration file for this API: source <c>shop</c> with <c>customers</c> and <c>orders</c>, the token from <c>${SHOP_TOKEN}</c>.</summary>
    public string Config(string extraSource = "") => $$"""
        {
          "MirrorPath": "mirror.db",
          "Strategy": "LastWriteWins",
          "Limits": { "QueryTimeout": "5s", "MaxQueryRows": 1000 },
          "Sources": [
            {
              "Id": "shop",
              "BaseAddress": "{{BaseAddress}}",
              "BearerToken": "${SHOP_TOKEN}",
              "MaxRetries": 0,
              "Resources": [
                { "Name": "customers", "Path": "customers", "Paginator": { "Type": "PageNumber", "PageSize": 2 }, "DeleteMissing": true },
                { "Name": "orders", "Path": "orders", "RecordsPath": "data", "Paginator": { "Type": "CursorToken", "TokenPath": "meta.next", "Parameter": "cursor" } }
              ]
            }{{extraSource}}
          ]
        }
        """;

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
