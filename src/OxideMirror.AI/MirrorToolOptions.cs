using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OxideMirror.AI;

/// <summary>
/// Configures the agent tools of <see cref="MirrorTools"/>: the host's ceilings, which a model's arguments can lower but
/// never raise, and whether the <c>sync</c> tool is offered. Validated once, when the tools are created.
/// </summary>
public sealed class MirrorToolOptions
{
    /// <summary>The default of <see cref="MaxAnswerBytes"/>: 32 KiB.</summary>
    public const int DefaultMaxAnswerBytes = 32 * 1024;

    /// <summary>
    /// Gets or sets the most bytes any tool's answer may take, as the compact UTF-8 JSON the tool returns: the ceiling of
    /// <c>query</c>'s <c>max_bytes</c> (and its default), and the size every other tool cuts its answer to (with a
    /// sentence saying how to get the rest).
    /// </summary>
    /// <value>
    /// The default is 32,768 bytes (<see cref="DefaultMaxAnswerBytes"/>). Compact JSON runs at 3 to 4 bytes per token for
    /// everyday data, so a full answer is 8,000 to 11,000 tokens; text of escapes or base64, at about 1.5 bytes per token,
    /// still stays near 22,000 — under the 25,000 tokens past which MCP clients such as Claude Code refuse a tool's answer.
    /// At least 4,096 and at most 16 MiB.
    /// </value>
    public int MaxAnswerBytes { get; set; } = DefaultMaxAnswerBytes;

    /// <summary>Gets or sets how many rows <c>query</c> returns when the model does not say (<c>max_rows</c>).</summary>
    /// <value>The default is 100. At least 1 and at most <see cref="MaxQueryRows"/>.</value>
    public int DefaultQueryRows { get; set; } = 100;

    /// <summary>Gets or sets the most rows a model may ask <c>query</c> for; a larger <c>max_rows</c> is lowered to it, and the answer says so.</summary>
    /// <value>The default is 1,000.</value>
    public int MaxQueryRows { get; set; } = 1_000;

    /// <summary>Gets or sets the time limit of each statement the tools run; <see langword="null"/> for the store's <see cref="MirrorStoreOptions.QueryTimeout"/>.</summary>
    /// <value>The default is <see langword="null"/>. When set, more than zero and at most one hour.</value>
    public TimeSpan? QueryTimeout { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the <c>sync</c> tool is offered: the one tool that changes the mirror (it
    /// pulls from the sources, which reach remote services), returned as an <see cref="Microsoft.Extensions.AI.ApprovalRequiredAIFunction"/>
    /// so that a chat client asks a person before each call.
    /// </summary>
    /// <value>The default is <see langword="false"/>: the tools only read.</value>
    public bool EnableSync { get; set; }

    /// <summary>
    /// Gets or sets the syncer the <c>sync</c> tool uses. Required with <see cref="EnableSync"/> for tools over a
    /// <see cref="MirrorStore"/> or a <see cref="MirrorReader"/> (it must sync that store: for the SQLite store its
    /// <see cref="Syncer.Store"/> must be that store; for another store, a syncer over that store's writer); tools over an
    /// <see cref="Hosting.IMirrorStoreProvider"/> take the provider's syncer when it is not set.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    public Syncer? Syncer { get; set; }

    /// <summary>Gets or sets the factory of the tools' logger (category <c>OxideMirror.AI.MirrorTools</c>): one line per call with its outcome and answer size, never arguments or data.</summary>
    /// <value>The default is <see cref="NullLoggerFactory.Instance"/>.</value>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;
}
