using OxideMirror.Cli.Config;
using OxideMirror.Http;

namespace OxideMirror.Cli.Commands;

/// <summary><c>oxide-mirror sync [source]</c>: syncs every configured source (or one), one after another, and prints each one's counts.</summary>
internal static class SyncCommand
{
    public static async Task<int> RunAsync(CommandLine line, MirrorConfig config, CliContext context, CancellationToken cancellationToken)
    {
        var only = line.OptionalArgument("source");
        var chosen = only is null ? config.Sources : config.Sources.Where(s => s.Id == only).ToList();
        if (chosen.Count == 0)
        {
            throw new CommandFailedException(
                ExitCodes.Usage,
                MirrorErrorCodes.UnknownSource,
                $"No source has the id '{only}' in {config.File} (its sources: {string.Join(", ", config.Sources.Select(s => "'" + s.Id + "'"))}). Write oxide-mirror sync <id>, or oxide-mirror sync to sync them all.");
        }

        var store = await MirrorFile.OpenAsync(config, mustExist: false, cancellationToken).ConfigureAwait(false);
        await using (store.ConfigureAwait(false))
        {
            var sources = new List<HttpSource>();
            try
            {
                sources.AddRange(chosen.Select(s => s.CreateSource()));
                var printer = new SyncProgressPrinter(context.Out, context.ShowProgress);
                var failed = 0;
                foreach (var source in sources.OrderBy(s => s.Id, StringComparer.Ordinal))
                {
                    // One syncer per source, so that each source's line ends with its report before the next begins; a
                    // failure comes back in the report (SyncAllAsync does not throw it), with the pages committed before it.
                    var syncer = new Syncer(store, config.Strategy, config.Syncer).AddSource(source);
                    var report = (await syncer.SyncAllAsync(printer, cancellationToken).ConfigureAwait(false))[0];
                    printer.Done(report);
                    if (report.Error is { } error)
                    {
                        failed++;
                        var code = error is MirrorException mirror ? mirror.Code : MirrorErrorCodes.SyncFailed;
                        await context.Error.WriteLineAsync($"error {code}: source '{report.Source}': {error.Message} The pages committed before the failure stay; the next sync resumes after them.").ConfigureAwait(false);
                    }
                }

                // The search indexes follow their resources' first sync, whichever source failed.
                await SearchIndexSetup.EnsureAsync(store, config.Search, cancellationToken).ConfigureAwait(false);
                return failed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
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
}
