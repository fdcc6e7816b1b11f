using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using OxideMirror.AI;
using OxideMirror.Cli.Config;
using OxideMirror.Hosting;
using OxideMirror.Http;

namespace OxideMirror.Cli.Commands;

/// <summary>
/// <c>oxide-mirror mcp</c>: an MCP server on standard input and output over the mirror (the tools of
/// <c>OxideMirror.Mcp</c>), with the background sync of <c>AddOxideMirror</c> syncing each source at start and then on
/// its interval while it serves. Standard output carries only the protocol; logs go to standard error. It runs until the
/// client closes its end (or Ctrl+C).
/// </summary>
internal static class McpCommand
{
    public static async Task<int> RunAsync(MirrorConfig config, CliContext context, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(config.MirrorPath)!);
        var sources = config.Sources.Select(s => s.CreateSource()).ToList();
        try
        {
            // The empty builder adds no console logger: standard output is the protocol's.
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = Path.GetDirectoryName(config.File) });
            builder.Logging.AddProvider(new StandardErrorLoggerProvider(context.Error));
            builder.Services.AddOxideMirror(o =>
            {
                o.StorePath = config.MirrorPath;
                o.Store = config.Store;
                o.Syncer = config.Syncer;
                o.Strategy = config.Strategy;
                o.EnableModule = false;
                o.EnableBackgroundSync = true;
                o.SyncInterval = config.Sync.Interval;
                o.InitialBackoff = config.Sync.InitialBackoff;
                o.MaxBackoff = config.Sync.MaxBackoff;
                o.BackoffJitter = config.Sync.BackoffJitter;
                foreach (var (source, settings) in sources.Zip(config.Sources))
                {
                    o.AddSource(source);
                    if (settings.SyncInterval is { } interval)
                    {
                        o.SourceIntervals[source.Id] = interval;
                    }
                }
            });
            builder.Services.AddHostedService(services => new SearchIndexKeeper(
                services.GetRequiredService<IMirrorStoreProvider>(),
                config.Search,
                services.GetRequiredService<ILogger<SearchIndexKeeper>>()));
            builder.Services
                .AddMcpServer(o => o.ServerInfo = new Implementation { Name = "oxide-mirror", Version = CliApp.Version })
                .WithStdioServerTransport()
                .WithMirrorTools(new MirrorToolOptions
                {
                    MaxAnswerBytes = config.Mcp.MaxAnswerBytes,
                    DefaultQueryRows = config.Mcp.DefaultQueryRows,
                    MaxQueryRows = config.Mcp.MaxQueryRows,
                    QueryTimeout = config.Mcp.QueryTimeout,
                    EnableSync = config.Mcp.EnableSync,
                });
            using var host = builder.Build();
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return cancellationToken.IsCancellationRequested ? ExitCodes.Cancelled : ExitCodes.Ok;
        }
        finally
        {
            foreach (var source in sources)
            {
                source.Dispose();
            }
        }
    }
}
