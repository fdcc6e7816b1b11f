using Microsoft.Extensions.AI;
using OxideMirror.Hosting;

namespace OxideMirror.AI;

/// <summary>
/// Creates the mirror's agent tools as <see cref="AIFunction"/>s for a chat client (<c>ChatOptions.Tools</c>) or an MCP
/// server: <c>mirror_overview</c>, <c>describe_resources</c>, <c>query</c>, <c>explain_query</c>, <c>search</c>, <c>get_record</c>,
/// <c>record_history</c>, <c>explain_record</c>, <c>changes_since</c>, and <c>sync</c> when enabled
/// (<see cref="MirrorToolNames"/>). Each tool reads through the store's public API under the same sandbox and limits as
/// <see cref="MirrorStore.QueryAsync(string, object?, QueryOptions?, CancellationToken)"/>, answers with compact JSON no
/// larger than <see cref="MirrorToolOptions.MaxAnswerBytes"/>, and answers a failure as
/// <c>{"error":{"code":"query_refused","message":"…"}}</c>, with the <see cref="MirrorErrorCodes"/> code.
/// </summary>
public static class MirrorTools
{
    /// <summary>
    /// Creates the read-only agent tools, with the default ceilings (100 rows, 32 KiB answers), over <paramref name="store"/>,
    /// as <see cref="CreateAITools(MirrorStore, MirrorToolOptions?)"/> does without options.
    /// </summary>
    /// <param name="store">The mirror the tools read.</param>
    /// <returns>The read-only tools, in the order a model should meet them.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is null.</exception>
    public static IList<AITool> CreateAITools(this MirrorStore store) => CreateAITools(store, null);

    /// <summary>Creates the agent tools over <paramref name="store"/>.</summary>
    /// <param name="store">The mirror the tools read.</param>
    /// <param name="options">The host's ceilings and whether <c>sync</c> is offered; <see langword="null"/> for the defaults (read-only tools, 32 KiB answers).</param>
    /// <returns>The tools, in the order a model should meet them; <c>sync</c>, when enabled, is last and requires approval.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit in <paramref name="options"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><see cref="MirrorToolOptions.EnableSync"/> is set without a <see cref="MirrorToolOptions.Syncer"/>, the syncer belongs to another store, or a syncer is given without <see cref="MirrorToolOptions.EnableSync"/>.</exception>
    /// <remarks>The tools are thread-safe, as the store is; one set may serve many conversations at once.</remarks>
    public static IList<AITool> CreateAITools(this MirrorStore store, MirrorToolOptions? options)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= new MirrorToolOptions();
        Validate(options);
        Func<CancellationToken, ValueTask<Syncer>>? syncer = null;
        if (options.EnableSync)
        {
            var given = options.Syncer ?? throw new ArgumentException("MirrorToolOptions.EnableSync is set, but MirrorToolOptions.Syncer is not: set it to the Syncer that syncs this store, or leave EnableSync false for read-only tools.", nameof(options));
            if (!ReferenceEquals(given.Store, store))
            {
                throw new ArgumentException("MirrorToolOptions.Syncer syncs another store than the one the tools read. Pass the Syncer created over this store.", nameof(options));
            }

            syncer = _ => ValueTask.FromResult(given);
        }

        return Build(new ToolContext(_ => ValueTask.FromResult(store), syncer, options));
    }

    /// <summary>
    /// Creates the read-only agent tools, with the default ceilings, over the store of a host's
    /// <see cref="IMirrorStoreProvider"/>, as <see cref="CreateAITools(IMirrorStoreProvider, MirrorToolOptions?)"/> does without options.
    /// </summary>
    /// <param name="provider">The provider of the store.</param>
    /// <returns>The read-only tools.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="provider"/> is null.</exception>
    public static IList<AITool> CreateAITools(this IMirrorStoreProvider provider) => CreateAITools(provider, null);

    /// <summary>
    /// Creates the agent tools over the store of a host's <see cref="IMirrorStoreProvider"/> (registered by
    /// <c>AddOxideMirror</c>): each call gets the store from the provider, so the tools can be created before it opens.
    /// </summary>
    /// <param name="provider">The provider of the store (and, for <c>sync</c>, the syncer).</param>
    /// <param name="options">The host's ceilings and whether <c>sync</c> is offered; <see langword="null"/> for the defaults.</param>
    /// <returns>The tools, in the order a model should meet them; <c>sync</c>, when enabled, is last and requires approval.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="provider"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit in <paramref name="options"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A syncer is given without <see cref="MirrorToolOptions.EnableSync"/>.</exception>
    /// <remarks>The tools are thread-safe; a store that fails to open is answered as an error with its code (for example <c>schema_incompatible</c>).</remarks>
    public static IList<AITool> CreateAITools(this IMirrorStoreProvider provider, MirrorToolOptions? options)
    {
        ArgumentNullException.ThrowIfNull(provider);
        options ??= new MirrorToolOptions();
        Validate(options);
        Func<CancellationToken, ValueTask<Syncer>>? syncer = null;
        if (options.EnableSync)
        {
            var given = options.Syncer;
            syncer = given is null ? provider.GetSyncerAsync : _ => ValueTask.FromResult(given);
        }

        return Build(new ToolContext(provider.GetStoreAsync, syncer, options));
    }

    private static List<AITool> Build(ToolContext context)
    {
        var tools = new List<AITool>
        {
            SchemaTools.Overview(context),
            SchemaTools.Describe(context),
            QueryTools.Query(context),
            QueryTools.ExplainQuery(context),
            SearchTools.Search(context),
            RecordTools.GetRecord(context),
            RecordTools.History(context),
            RecordTools.Explain(context),
            ChangeTools.ChangesSince(context),
        };
        if (context.Syncer is not null)
        {
            tools.Add(new ApprovalRequiredAIFunction(SyncTools.Sync(context)));
        }

        return tools;
    }

    private static void Validate(MirrorToolOptions options)
    {
        if (options.MaxAnswerBytes is < 4_096 or > 16 * 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxAnswerBytes, "MirrorToolOptions.MaxAnswerBytes must be from 4,096 to 16,777,216 bytes; the default, 32,768, keeps an answer well under 25,000 tokens.");
        }

        if (options.MaxQueryRows < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxQueryRows, "MirrorToolOptions.MaxQueryRows must be at least 1.");
        }

        if (options.DefaultQueryRows < 1 || options.DefaultQueryRows > options.MaxQueryRows)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DefaultQueryRows, $"MirrorToolOptions.DefaultQueryRows must be from 1 to MaxQueryRows ({options.MaxQueryRows}).");
        }

        if (options.QueryTimeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > TimeSpan.FromHours(1)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), timeout, "MirrorToolOptions.QueryTimeout must be more than zero and at most one hour, or null for the store's QueryTimeout.");
        }

        if (options.Syncer is not null && !options.EnableSync)
        {
            throw new ArgumentException("MirrorToolOptions.Syncer is set, but EnableSync is false, so no sync tool would use it. Set EnableSync = true to offer the sync tool, or leave Syncer unset.", nameof(options));
        }

        ArgumentNullException.ThrowIfNull(options.LoggerFactory, "options.LoggerFactory");
    }
}
