namespace OxideMirror.Cli;

/// <summary>The tool's exit codes (docs/cli.md lists them).</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary>The command failed: a query was refused, failed or timed out, a source failed to sync, or the store failed; standard error says <c>error &lt;code&gt;: &lt;message&gt;</c>.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong: an unknown command or option, a missing or extra argument, or a source id the configuration does not have.</summary>
    public const int Usage = 2;

    /// <summary>The configuration cannot be used: the file is missing or not JSON, or a key is unknown, missing or invalid (each named).</summary>
    public const int Config = 3;

    /// <summary>What was asked for is not there: the mirror file has not been synced yet, or the record has no history.</summary>
    public const int NotFound = 4;

    /// <summary>The run was cancelled (Ctrl+C); a sync resumes from its last committed page next time.</summary>
    public const int Cancelled = 130;
}
