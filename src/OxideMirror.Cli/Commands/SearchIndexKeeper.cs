using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OxideMirror.Hosting;

namespace OxideMirror.Cli.Commands;

/// <summary>
/// For <c>oxide-mirror mcp</c>: ensures the configured search indexes when the server starts, then watches the log and
/// creates each index still missing as soon as its resource's first page commits (the background sync runs meanwhile).
/// Stops once every declared index exists. A field that cannot be indexed is logged, and the server goes on serving.
/// </summary>
internal sealed partial class SearchIndexKeeper(IMirrorStoreProvider provider, IReadOnlyDictionary<string, IReadOnlyList<string>> declared, ILogger<SearchIndexKeeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (declared.Count == 0)
        {
            return;
        }

        try
        {
            var store = await provider.GetStoreAsync(stoppingToken).ConfigureAwait(false);
            var position = await store.GetPositionAsync(stoppingToken).ConfigureAwait(false);
            var waiting = await SearchIndexSetup.EnsureAsync(store, declared, stoppingToken).ConfigureAwait(false);
            if (waiting.Count > 0)
            {
                Waiting(logger, waiting);
            }

            await foreach (var change in store.WatchAsync(position, null, stoppingToken).ConfigureAwait(false))
            {
                if (waiting.Count == 0)
                {
                    break;
                }

                if (waiting.Contains(change.Resource, StringComparer.Ordinal))
                {
                    waiting = await SearchIndexSetup.EnsureAsync(store, declared, stoppingToken).ConfigureAwait(false);
                    Created(logger, change.Resource);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (CommandFailedException e)
        {
            Failed(logger, e.Message);
        }
        catch (MirrorException e)
        {
            Failed(logger, e.Message);
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Search indexes wait for the first sync of: {Resources}")]
    private static partial void Waiting(ILogger logger, IReadOnlyList<string> resources);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Search index of {Resource} created")]
    private static partial void Created(ILogger logger, string resource);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "Search indexes are not kept: {Message}")]
    private static partial void Failed(ILogger logger, string message);
}
