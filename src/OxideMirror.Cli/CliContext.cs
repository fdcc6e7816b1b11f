namespace OxideMirror.Cli;

/// <summary>What a run of the tool reads and writes besides its arguments, so that tests run it in-process with their own.</summary>
/// <param name="Out">Standard output: answers and reports.</param>
/// <param name="Error">Standard error: errors, each with its code.</param>
/// <param name="WorkingDirectory">Where <c>oxidemirror.json</c> is looked for when <c>--config</c> is not given.</param>
/// <param name="Environment">The environment variables: <c>OXIDEMIRROR__</c> overrides and <c>${NAME}</c> references read them.</param>
/// <param name="ShowProgress">Whether standard output is a terminal, where a sync shows its progress; false when it is redirected.</param>
internal sealed record CliContext(TextWriter Out, TextWriter Error, string WorkingDirectory, IReadOnlyDictionary<string, string> Environment, bool ShowProgress)
{
    /// <summary>Creates the context of the process: the console, the current directory and the process's environment.</summary>
    public static CliContext FromProcess()
    {
        var environment = new Dictionary<string, string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            environment[(string)entry.Key] = (string?)entry.Value ?? "";
        }

        return new CliContext(Console.Out, Console.Error, Directory.GetCurrentDirectory(), environment, ShowProgress: !Console.IsOutputRedirected);
    }
}
