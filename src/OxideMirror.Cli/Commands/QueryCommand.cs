using System.Globalization;
using OxideMirror.Cli.Config;

namespace OxideMirror.Cli.Commands;

/// <summary>
/// <c>oxide-mirror query "&lt;sql&gt;" [--json] [--max-rows &lt;n&gt;] [--as-of &lt;time&gt;]</c>: runs one read-only
/// query through the store's sandbox (<see cref="MirrorStore.QueryAsync(string, object?, QueryOptions?, CancellationToken)"/>)
/// under the configuration's limits, and prints the answer as a table, or as the store's JSON.
/// </summary>
internal static class QueryCommand
{
    public static async Task<int> RunAsync(CommandLine line, MirrorConfig config, CliContext context, CancellationToken cancellationToken)
    {
        var sql = line.Argument("sql");
        var options = new QueryOptions { MaxRows = MaxRows(line), AsOf = AsOf(line) };
        var store = await MirrorFile.OpenAsync(config, mustExist: true, cancellationToken).ConfigureAwait(false);
        await using (store.ConfigureAwait(false))
        {
            var result = await store.QueryAsync(sql, null, options, cancellationToken).ConfigureAwait(false);
            if (line.Flags.Contains("--json"))
            {
                await context.Out.WriteLineAsync(result.ToJson()).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            TextTable.Write(context.Out, result.Columns, result.Rows.Select(r => (IReadOnlyList<object?>)[.. r.Values]));
            var rows = result.RowCount == 1 ? "1 row" : string.Create(CultureInfo.InvariantCulture, $"{result.RowCount:N0} rows");
            await context.Out.WriteLineAsync(result.Truncated
                ? string.Create(CultureInfo.InvariantCulture, $"({rows}; truncated: the answer reached the row cap ({options.MaxRows ?? store.Options.MaxQueryRows:N0}) or the byte cap ({store.Options.MaxQueryBytes:N0} bytes). Narrow the query, page it with LIMIT/OFFSET, or raise --max-rows.)")
                : $"({rows})").ConfigureAwait(false);
            return ExitCodes.Ok;
        }
    }

    private static int? MaxRows(CommandLine line)
    {
        if (!line.Values.TryGetValue("--max-rows", out var text))
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var rows) && rows > 0
            ? rows
            : throw new UsageException($"--max-rows is '{text}', which is not a whole number above 0. Write for example --max-rows 100.");
    }

    private static DateTimeOffset? AsOf(CommandLine line)
    {
        if (!line.Values.TryGetValue("--as-of", out var text))
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new UsageException($"--as-of is '{text}', which is not a time. Write an ISO 8601 time such as 2026-01-31T12:00:00Z.");
    }
}
