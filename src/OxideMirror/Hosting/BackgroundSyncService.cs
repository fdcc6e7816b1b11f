using OxideMirror.Kernel;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OxideMirror.Hosting;

/// <summary>
/// Syncs every source on its own interval while the host runs: first when the host starts, then
/// <see cref="OxideMirrorOptions.SyncInterval"/> (or the source's own interval) after each success, and after a failure
/// with a backoff that doubles per failure in a row, capped and jittered. Runs of one source never overlap. Each
/// source's first run completes its task in <see cref="MirrorStoreProvider.FirstSyncs"/>, with its report whether it
/// succeeded or not; progress goes to <see cref="OxideMirrorOptions.Progress"/>.
/// </summary>
internal sealed class BackgroundSyncService : BackgroundService
{
    private readonly MirrorStoreProvider _provider;
    private readonly ILogger _logger;
    private readonly Channel<BackgroundSyncRun> _runs = Channel.CreateUnbounded<BackgroundSyncRun>();

    public BackgroundSyncService(MirrorStoreProvider provider)
    {
        _provider = provider;
        _logger = provider.LoggerFactory.CreateLogger<BackgroundSyncService>();
    }

    /// <summary>Gets every finished run, in order; for tests and diagnostics. Written after the wait for the next run has started.</summary>
    public ChannelReader<BackgroundSyncRun> Runs => _runs.Reader;

    internal static TimeSpan Backoff(OxideMirrorOptions options, int failures, double random)
    {
        var doublings = Math.Min(failures - 1, 30);
        var ticks = Math.Min(options.InitialBackoff.Ticks * Math.Pow(2, doublings), options.MaxBackoff.Ticks);
        return TimeSpan.FromTicks((long)(ticks * (1 + (options.BackoffJitter * random))));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = _provider.Options;
        if (!options.EnableBackgroundSync)
        {
            _runs.Writer.TryComplete();
            return;
        }

        Exception? error = null;
        try
        {
            var syncer = await _provider.GetSyncerAsync(stoppingToken).ConfigureAwait(false);
            await Task.WhenAll(syncer.Sources.Select(s => RunSourceAsync(syncer, s, options, stoppingToken))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            error = ex;
            throw;
        }
        finally
        {
            // First runs that have not finished never will: cancelled on stop, or failed with what ended the service.
            _provider.FirstSyncs.Close(error);
            _runs.Writer.TryComplete();
        }
    }

    private async Task RunSourceAsync(Syncer syncer, ISyncSource source, OxideMirrorOptions options, CancellationToken stoppingToken)
    {
        await Task.Yield();
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            BackgroundSyncRun run;
            SyncReport report;
            try
            {
                report = await syncer.SyncReportingAsync(source, options.Progress, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                report = new SyncReport(source.Id, null) { Error = ex };
            }

            _provider.FirstSyncs.Finished(report);
            if (report.Error is null)
            {
                failures = 0;
                var next = options.IntervalFor(source.Id);
                run = new BackgroundSyncRun(source.Id, report, null, 0, next);
                KernelLog.BackgroundSyncSucceeded(_logger, source.Id, report.Pulled, report.Applied, report.Duration.TotalMilliseconds, next.TotalMilliseconds);
            }
            else
            {
                failures++;
                var next = Backoff(options, failures, Random.Shared.NextDouble());
                run = new BackgroundSyncRun(source.Id, report, report.Error, failures, next);
                KernelLog.BackgroundSyncFailed(_logger, report.Error, source.Id, failures, next.TotalMilliseconds);
            }

            // Start the wait before reporting the run, so that a test reading the run can advance a fake clock past it.
            var wait = Task.Delay(run.NextDelay, options.TimeProvider, stoppingToken);
            _runs.Writer.TryWrite(run);
            try
            {
                await wait.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
