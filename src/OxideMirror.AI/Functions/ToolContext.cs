using Microsoft.Extensions.Logging;

namespace OxideMirror.AI;

/// <summary>What every tool of one <see cref="MirrorTools.CreateAITools(MirrorStore, MirrorToolOptions?)"/> call shares: where the store comes from, the ceilings, and the logger.</summary>
internal sealed class ToolContext
{
    public ToolContext(Func<CancellationToken, ValueTask<MirrorStore>> store, Func<CancellationToken, ValueTask<Syncer>>? syncer, MirrorToolOptions options)
    {
        Store = store;
        Syncer = syncer;
        MaxAnswerBytes = options.MaxAnswerBytes;
        DefaultQueryRows = options.DefaultQueryRows;
        MaxQueryRows = options.MaxQueryRows;
        QueryTimeout = options.QueryTimeout;
        Logger = options.LoggerFactory.CreateLogger("OxideMirror.AI.MirrorTools");
    }

    public Func<CancellationToken, ValueTask<MirrorStore>> Store { get; }

    public Func<CancellationToken, ValueTask<Syncer>>? Syncer { get; }

    public int MaxAnswerBytes { get; }

    public int DefaultQueryRows { get; }

    public int MaxQueryRows { get; }

    public TimeSpan? QueryTimeout { get; }

    public ILogger Logger { get; }

    /// <summary>Gets the most bytes one payload or value inside a list may take, so that one large record leaves room for the others.</summary>
    public long ItemCap => Math.Max(512, MaxAnswerBytes / 8);
}
