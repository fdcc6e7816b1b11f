using System.Reflection;
using OxideMirror.Cli.Commands;
using OxideMirror.Cli.Config;

namespace OxideMirror.Cli;

/// <summary>
/// The tool's entry point, taking its arguments, output, environment and working directory as arguments (see
/// <see cref="CliContext"/>), so that tests run it in-process: parses the command line, loads the configuration,
/// runs the command and turns every failure into <c>error &lt;code&gt;: &lt;message&gt;</c> on standard error and an
/// exit code (<see cref="ExitCodes"/>).
/// </summary>
internal static class CliApp
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var line = CommandLine.Parse(args);
            if (line.Help)
            {
                await context.Out.WriteAsync(Help(line.Command)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            if (line.Version)
            {
                await context.Out.WriteLineAsync("oxide-mirror " + Version).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var config = ConfigLoader.Load(line.ConfigPath, context.WorkingDirectory, context.Environment);
            return line.Command!.Name switch
            {
                "sync" => await SyncCommand.RunAsync(line, config, context, cancellationToken).ConfigureAwait(false),
                "query" => await QueryCommand.RunAsync(line, config, context, cancellationToken).ConfigureAwait(false),
                "describe" => await DescribeCommand.RunAsync(config, context, cancellationToken).ConfigureAwait(false),
                "history" => await HistoryCommand.RunAsync(line, config, context, cancellationToken).ConfigureAwait(false),
                "mcp" => await McpCommand.RunAsync(config, context, cancellationToken).ConfigureAwait(false),
                _ => throw new UsageException($"'{line.Command.Name}' is not available in this build of oxide-mirror."),
            };
        }
        catch (UsageException e)
        {
            await WriteErrorAsync(context, "usage", e.Message + " Run 'oxide-mirror --help' for the commands.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (ConfigException e)
        {
            foreach (var error in e.Errors)
            {
                await WriteErrorAsync(context, "config", error.Message).ConfigureAwait(false);
            }

            await context.Error.WriteLineAsync($"({e.Errors.Count} problem(s) in {e.File}; docs/cli.md describes every setting.)").ConfigureAwait(false);
            return ExitCodes.Config;
        }
        catch (CommandFailedException e)
        {
            await WriteErrorAsync(context, e.Code, e.Message).ConfigureAwait(false);
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await WriteErrorAsync(context, MirrorErrorCodes.Cancelled, "Stopped. A sync resumes after its last committed page the next time it runs.").ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
        catch (MirrorException e)
        {
            await WriteErrorAsync(context, e.Code, e.Message).ConfigureAwait(false);
            return ExitCodes.Failed;
        }
    }

    internal static string Version =>
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private static Task WriteErrorAsync(CliContext context, string code, string message) =>
        context.Error.WriteLineAsync($"error {code}: {message}");

    private static string Help(CommandSpec? command)
    {
        if (command is not null)
        {
            return $"""
                Usage: oxide-mirror [--config <path>] {command.Usage}

                {command.Summary}

                """;
        }

        var commands = string.Join(Environment.NewLine, CommandSpec.All.Select(c => $"  {c.Usage,-62} {c.Summary}"));
        return $"""
            oxide-mirror {Version}: a local, event-sourced SQLite mirror of REST APIs, queried with bounded read-only SQL.

            Usage: oxide-mirror [--config <path>] <command> [arguments] [options]

            Commands:
            {commands}

            Options:
              --config, -c <path>   The configuration file (default: {ConfigLoader.DefaultFileName} in the current directory).
                                    Environment variables OXIDEMIRROR__<Key>__<SubKey> override its keys.
              --help, -h            Show this help, or a command's (oxide-mirror query --help).
              --version             Show the version.

            Exit codes: 0 done, 1 failed (error <code>: <message> on standard error), 2 wrong command line,
            3 unusable configuration, 4 not found (no mirror yet, or no such record), 130 cancelled.

            """;
    }
}
