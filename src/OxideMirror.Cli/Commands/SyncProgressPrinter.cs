using System.Globalization;

namespace OxideMirror.Cli.Commands;

/// <summary>
/// Keeps one line per source up to date on a terminal (pages and records so far, after each committed page), then
/// ends it with the sync report's counts; when output is redirected it writes only those final lines.
/// </summary>
/// <remarks>It writes on the syncing thread, as the syncer calls it, so a report never lands after the line that ends its sync.</remarks>
internal sealed class SyncProgressPrinter(TextWriter output, bool showProgress) : IProgress<SyncProgress>
{
    private readonly Lock _gate = new();
    private int _width;

    public void Report(SyncProgress value)
    {
        if (!showProgress)
        {
            return;
        }

        var line = string.Create(CultureInfo.InvariantCulture, $"{value.Source}: page {value.Pages} ({string.Join(", ", value.Resources)}), {value.Pulled:N0} record(s) so far, {value.Applied:N0} applied…");
        lock (_gate)
        {
            output.Write("\r" + line.PadRight(_width));
            _width = Math.Max(_width, line.Length);
            output.Flush();
        }
    }

    public void Done(SyncReport report)
    {
        var line = Summary(report);
        lock (_gate)
        {
            output.WriteLine(_width > 0 ? "\r" + line.PadRight(_width) : line);
            _width = 0;
        }
    }

    public static string Summary(SyncReport report)
    {
        var missing = report.Missing > 0 ? string.Create(CultureInfo.InvariantCulture, $", {report.Missing:N0} deleted as missing from a full pass") : "";
        var counts = string.Create(CultureInfo.InvariantCulture, $"{report.Pages:N0} page(s), {report.Pulled:N0} record(s) pulled: {report.Applied:N0} applied, {report.Skipped:N0} skipped, {report.Unchanged:N0} unchanged{missing} in {report.Duration.TotalSeconds:0.0} s");
        return report.Succeeded ? $"{report.Source}: {counts}" : $"{report.Source}: FAILED after {counts}";
    }
}
