namespace OxideMirror.Cli.Config;

/// <summary>One problem with the configuration: the full key it is at (for example <c>Sources:0:Paginator:Type</c>) and a sentence that says what is wrong and how to fix it.</summary>
internal sealed record ConfigError(string Key, string Message)
{
    public override string ToString() => $"{Key}: {Message}";
}
