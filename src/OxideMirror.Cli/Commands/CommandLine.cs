namespace OxideMirror.Cli.Commands;

/// <summary>
/// The parsed command line: <c>oxide-mirror [--config &lt;path&gt;] &lt;command&gt; [arguments] [options]</c>. Options
/// take their value as the next argument or after <c>=</c> (<c>--max-rows=10</c>); <c>--</c> ends the options, so an
/// argument after it may start with <c>-</c>. Each option may be given once.
/// </summary>
internal sealed class CommandLine
{
    private CommandLine(CommandSpec? command)
    {
        Command = command;
    }

    /// <summary>Gets the command, or <see langword="null"/> for <c>--help</c> or <c>--version</c> without one.</summary>
    public CommandSpec? Command { get; }

    public string? ConfigPath { get; private set; }

    public bool Help { get; private set; }

    public bool Version { get; private set; }

    public List<string> Arguments { get; } = [];

    public HashSet<string> Flags { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);

    public string Argument(string name) => Arguments[Array.IndexOf([.. Command!.Required, .. Command.Optional], name)];

    public string? OptionalArgument(string name)
    {
        var index = Array.IndexOf([.. Command!.Required, .. Command.Optional], name);
        return index < Arguments.Count ? Arguments[index] : null;
    }

    /// <exception cref="UsageException">The command line is wrong.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        CommandSpec? command = null;
        string? config = null;
        bool help = false, version = false, endOfOptions = false;
        var positional = new List<string>();
        var flags = new HashSet<string>(StringComparer.Ordinal);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (endOfOptions || arg.Length < 2 || arg[0] != '-')
            {
                if (command is null && !endOfOptions)
                {
                    command = Find(arg);
                }
                else
                {
                    positional.Add(arg);
                }

                continue;
            }

            if (arg == "--")
            {
                endOfOptions = true;
                continue;
            }

            var (name, inline) = arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
            switch (name)
            {
                case "--help" or "-h":
                    help = true;
                    continue;
                case "--version":
                    version = true;
                    continue;
                case "--config" or "-c":
                    if (config is not null)
                    {
                        throw new UsageException("--config is given twice. Give one configuration file.");
                    }

                    config = ValueOf(name, inline, args, ref i);
                    continue;
            }

            if (command is null)
            {
                throw new UsageException($"'{arg}' is not an option of oxide-mirror itself. Give the command first, then its options: oxide-mirror query \"SELECT 1\" --json.");
            }

            if (command.Flags.Contains(name))
            {
                if (inline is not null)
                {
                    throw new UsageException($"{name} takes no value, but was given '{inline}'. Write {name} alone.");
                }

                if (!flags.Add(name))
                {
                    throw new UsageException($"{name} is given twice. Give it once.");
                }
            }
            else if (command.Values.Contains(name))
            {
                if (values.ContainsKey(name))
                {
                    throw new UsageException($"{name} is given twice. Give it once.");
                }

                values[name] = ValueOf(name, inline, args, ref i);
            }
            else
            {
                var takes = command.Flags.Concat(command.Values).ToList();
                throw new UsageException($"'{name}' is not an option of '{command.Name}'. {(takes.Count == 0 ? $"'{command.Name}' takes no options" : "Its options are " + string.Join(", ", takes))}, besides --config and --help.");
            }
        }

        if (command is not null && !help)
        {
            var max = command.Required.Length + command.Optional.Length;
            if (positional.Count < command.Required.Length)
            {
                var missing = command.Required[positional.Count];
                throw new UsageException($"'{command.Name}' needs the {missing}. Write: oxide-mirror {command.Usage}.");
            }

            if (positional.Count > max)
            {
                throw new UsageException($"'{command.Name}' takes {(max == 0 ? "no arguments" : $"at most {max} argument(s)")}, but was given {positional.Count}: {string.Join(" ", positional.Select(p => "'" + p + "'"))}. Write: oxide-mirror {command.Usage}{(command.Name == "query" ? " (put the whole SQL in one pair of quotes)" : "")}.");
            }
        }

        var line = new CommandLine(command) { ConfigPath = config, Help = help, Version = version };
        line.Arguments.AddRange(positional);
        line.Flags.UnionWith(flags);
        foreach (var (key, value) in values)
        {
            line.Values[key] = value;
        }

        if (command is null && !help && !version)
        {
            throw new UsageException("No command given. Write oxide-mirror <command>, with one of: " + string.Join(", ", CommandSpec.All.Select(c => c.Name)) + ".");
        }

        return line;
    }

    private static CommandSpec Find(string name)
    {
        if (CommandSpec.All.FirstOrDefault(c => c.Name == name) is { } command)
        {
            return command;
        }

        var near = CommandSpec.All.FirstOrDefault(c => c.Name.StartsWith(name[..Math.Min(2, name.Length)], StringComparison.OrdinalIgnoreCase));
        var hint = near is null ? "" : $" Did you mean '{near.Name}'?";
        throw new UsageException($"'{name}' is not a command.{hint} The commands are: {string.Join(", ", CommandSpec.All.Select(c => c.Name))}.");
    }

    private static string ValueOf(string name, string? inline, IReadOnlyList<string> args, ref int i)
    {
        if (inline is not null)
        {
            return inline.Length > 0 ? inline : throw new UsageException($"{name} needs a value after '='.");
        }

        if (i + 1 >= args.Count || (args[i + 1].StartsWith('-') && args[i + 1].Length > 1))
        {
            throw new UsageException($"{name} needs a value: {name} <value>.");
        }

        return args[++i];
    }
}
