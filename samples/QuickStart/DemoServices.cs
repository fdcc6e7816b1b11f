using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

/// <summary>
/// Two small services on 127.0.0.1, each on a random port: a CRM (customers; bearer token; RFC 8288 Link-header pages
/// of 4) and a ticketing system (tickets; API key; cursor-token pages of 5, updated_since filter, rate-limited: it answers
/// 429 with Retry-After when called more than 3 times in 250 ms).
/// </summary>
internal sealed class DemoServices : IAsyncDisposable
{
    public const string CrmToken = "demo-crm-token";
    public const string TicketsKey = "demo-tickets-key";
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private static readonly DateTimeOffset Epoch = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, Customer> _customers = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, Ticket> _tickets = new(StringComparer.Ordinal);
    private readonly Queue<DateTimeOffset> _recentTicketCalls = new();
    private WebApplication? _crm;
    private WebApplication? _ticketing;

    public Uri CrmAddress { get; private set; } = null!;

    public Uri TicketingAddress { get; private set; } = null!;

    public int RateLimited { get; private set; }

    public static async Task<DemoServices> StartAsync()
    {
        var services = new DemoServices();
        services.Seed();
        (services._crm, services.CrmAddress) = await StartAsync(app => app.MapGet("/v1/customers", (Delegate)services.Customers));
        (services._ticketing, services.TicketingAddress) = await StartAsync(app => app.MapGet("/api/tickets", (Delegate)services.Tickets));
        return services;
    }

    /// <summary>Changes data upstream between the two passes: a new ticket, a closed ticket, a customer removed from the CRM.</summary>
    public void MakeChanges()
    {
        lock (_gate)
        {
            var now = Epoch.AddDays(10);
            _tickets["t-26"] = new("t-26", "c-03", "Invoice PDF is blank", "open", "high", now);
            _tickets["t-02"] = _tickets["t-02"] with { Status = "closed", UpdatedAt = now.AddMinutes(1) };
            _customers.Remove("c-10");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in new[] { _crm, _ticketing })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
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
        string[] names = ["Acme Corp", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises", "Wonka", "Tyrell", "Cyberdyne"];
        string[] countries = ["DE", "US", "US", "UK", "US", "US", "US", "UK", "JP", "US"];
        for (var i = 0; i < names.Length; i++)
        {
            var id = $"c-{i + 1:00}";
            _customers[id] = new(id, names[i], i % 3 == 0 ? "enterprise" : i % 3 == 1 ? "growth" : "startup", countries[i], Epoch.AddHours(i));
        }

        string[] subjects = ["Login fails", "Export is slow", "Wrong invoice total", "API returns 500", "Need SSO", "Webhook retries"];
        for (var i = 0; i < 25; i++)
        {
            var id = $"t-{i + 1:00}";
            var status = i % 4 == 3 ? "closed" : "open";
            _tickets[id] = new(id, $"c-{(i * 7 % 10) + 1:00}", subjects[i % subjects.Length], status, i % 3 == 0 ? "high" : "normal", Epoch.AddDays(1).AddHours(i));
        }
    }

    private IResult Customers(HttpContext context)
    {
        if (context.Request.Headers.Authorization != "Bearer " + CrmToken)
        {
            return Results.StatusCode(StatusCodes.Status401Unauthorized);
        }

        var page = int.Parse(context.Request.Query["page"].FirstOrDefault() ?? "1", CultureInfo.InvariantCulture);
        List<Customer> all;
        lock (_gate)
        {
            all = [.. _customers.Values];
        }

        const int size = 4;
        if (page * size < all.Count)
        {
            context.Response.Headers.Link = $"</v1/customers?page={page + 1}>; rel=\"next\"";
        }

        return Results.Json(new { data = all.Skip((page - 1) * size).Take(size) }, Json);
    }

    private IResult Tickets(HttpContext context)
    {
        if (context.Request.Headers["X-Api-Key"] != TicketsKey)
        {
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        }

        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            while (_recentTicketCalls.Count > 0 && now - _recentTicketCalls.Peek() > TimeSpan.FromMilliseconds(250))
            {
                _recentTicketCalls.Dequeue();
            }

            if (_recentTicketCalls.Count >= 3)
            {
                RateLimited++;
                context.Response.Headers.RetryAfter = "0";
                return Results.StatusCode(StatusCodes.Status429TooManyRequests);
            }

            _recentTicketCalls.Enqueue(now);
            DateTimeOffset? since = context.Request.Query["updated_since"].FirstOrDefault() is { } s ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture) : null;
            var after = context.Request.Query["cursor"].FirstOrDefault();
            var matching = _tickets.Values.Where(t => since is null || t.UpdatedAt >= since).Where(t => after is null || string.CompareOrdinal(t.Id, after) > 0).ToList();
            var page = matching.Take(5).ToList();
            return Results.Json(new { tickets = page, next_cursor = matching.Count > page.Count ? page[^1].Id : null }, Json);
        }
    }

    private sealed record Customer(string Id, string Name, string Tier, string Country, DateTimeOffset UpdatedAt);

    private sealed record Ticket(string Id, string CustomerId, string Subject, string Status, string Priority, DateTimeOffset UpdatedAt);
}
