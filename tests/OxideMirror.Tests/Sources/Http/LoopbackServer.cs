using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OxideMirror.Tests.Sources.Http;

/// <summary>A real Kestrel server on 127.0.0.1 with a random port, owned by one test; counts requests server-side.</summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _inFlight;
    private int _maxInFlight;

    private LoopbackServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Gets every request's path and query, in arrival order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public static async Task<LoopbackServer> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        var server = new LoopbackServer(app);
        app.Use(async (context, next) =>
        {
            server.Requests.Enqueue(context.Request.Path + context.Request.QueryString);
            var now = Interlocked.Increment(ref server._inFlight);
            int seen;
            while (now > (seen = Volatile.Read(ref server._maxInFlight)) && Interlocked.CompareExchange(ref server._maxInFlight, now, seen) != seen)
            {
            }

            try
            {
                await next(context);
            }
            finally
            {
                Interlocked.Decrement(ref server._inFlight);
            }
        });
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    public int Count(string pathPrefix) => Requests.Count(r => r.StartsWith(pathPrefix, StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
