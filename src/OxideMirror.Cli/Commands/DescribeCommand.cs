using OxideMirror.Cli.Config;

namespace OxideMirror.Cli.Commands;

/// <summary><c>oxide-mirror describe</c>: prints <see cref="MirrorDescription.ToMarkdown"/> — the resources, their columns, types, examples, indexes and join keys, and the query limits.</summary>
internal static class DescribeCommand
{
    public static async Task<int> RunAsync(MirrorConfig config, CliContext context, CancellationToken cancellationToken)
    {
        var store = await MirrorFile.OpenAsync(config, mustExist: true, cancellationToken).ConfigureAwait(false);
        await using (store.ConfigureAwait(false))
        {
            var description = await store.DescribeAsync(cancellationToken).ConfigureAwait(false);
            await context.Out.WriteLineAsync(description.ToMarkdown().TrimEnd()).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
    }
}
