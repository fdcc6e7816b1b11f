namespace OxideMirror.Cli.Commands;

/// <summary>A command could not do what was asked for a reason of the tool's own (not a <see cref="MirrorException"/>): printed as <c>error &lt;code&gt;: &lt;message&gt;</c>.</summary>
internal sealed class CommandFailedException(int exitCode, string code, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public string Code { get; } = code;
}
