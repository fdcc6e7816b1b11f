namespace OxideMirror.Cli.Commands;

/// <summary>The command line is wrong; the message says what and how to write it instead.</summary>
internal sealed class UsageException(string message) : Exception(message);
