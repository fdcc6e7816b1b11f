using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

/// <summary>
/// Two small services on 127.0.0.1, each on a random port: a CRM (12 customers) and a billing service (30 invoices of
/// those customers). Both answer in RFC 8288 <c>Link</c>-header pages, and each page takes a moment (<see cref="PageDelay"/>),
/// so the two sync workers overlap and the agent sees the mirror grow.
/// </summary>
internal sealed class DemoServices : IAsyncDisposable
{
    public const int CustomerCount = 12;
    public const int InvoiceCount = 30;
    private static readonly TimeSpan PageDelay = TimeSpan.FromMilliseconds(400);
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private static readonly DateTimeOffset Epoch = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly List<Customer> _customers = [];
    private readonly List<Invoice> _invoices = [];
    private WebApplication? _crm;
    private WebApplication? _billing;

    public Uri CrmAddress { get; private set; } = null!;

    public Uri BillingAddress { get; private set; } = null!;

    public static async Task<DemoServices> StartAsync()
    {
        var services = new DemoServices();
        services.Seed();
        (services._crm, services.CrmAddress) = await StartAsync(app => app.MapGet("/customers", (Delegate)((HttpContext c) => Page(c, services._customers, 4))));
        (services._billing, services.BillingAddress) = await StartAsync(app => app.MapGet("/invoices", (Delegate)((HttpContext c) => Page(c, services._invoices, 5))));
        return services;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in new[] { _crm, _billing })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }

    private static async Task<IResult> Page<T>(HttpContext context, List<T> all, int size)
    {
        await Task.Delay(PageDelay, context.RequestAborted);
        var page = int.Parse(context.Request.Query["page"].FirstOrDefault() ?? "1", System.Globalization.CultureInfo.InvariantCulture);
        if (page * size < all.Count)
        {
            context.Response.Headers.Link = $"<{context.Request.Path}?page={page + 1}>; rel=\"next\"";
        }

        return Results.Json(new { data = all.Skip((page - 1) * size).Take(size) }, Json);
    }

    private static async Task<(WebApplication App, Uri Address)> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address + "/"));
    }

    private void Seed()
    {
        string[] names = ["Acme Corp", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises", "Wonka", "Tyrell", "Cyberdyne", "Soylent", "Vandelay"];
        for (var i = 0; i < CustomerCount; i++)
        {
            _customers.Add(new($"c-{i + 1:00}", names[i], i % 2 == 0 ? "EU" : "US", Epoch.AddHours(i)));
        }

        for (var i = 0; i < InvoiceCount; i++)
        {
            _invoices.Add(new($"inv-{i + 1:000}", $"c-{(i * 5 % CustomerCount) + 1:00}", 100 + (i * 37 % 900), i % 3 == 0 ? "overdue" : "paid", Epoch.AddDays(1).AddHours(i)));
        }
    }

    private sealed record Customer(string Id, string Name, string Region, DateTimeOffset UpdatedAt);

    private sealed record Invoice(string Id, string CustomerId, int Amount, string Status, DateTimeOffset UpdatedAt);
}
