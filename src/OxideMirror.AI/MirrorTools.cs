using Microsoft.Extensions.AI;
using OxideMirror.Hosting;

namespace OxideMirror.AI;

/// <summary>
/// Creates the mirror's agent tools as <see cref="AIFunction"/>s for a chat client (<c>ChatOptions.Tools</c>) or an MCP
/// server: <c>mirror_overview</c>, <c>describe_resources</c>, <c>query</c>, <c>explain_query</c>, <c>search</c>, <c>get_record</c>,
/// <c>record_history</c>, <c>explain_record</c>, <c>changes_since</c>, and <c>sync</c> when enabled
/// (<see cref="MirrorToolNames"/>). Each tool reads through a <see cref="MirrorReader"/> (the SQLite store's or the PostgreSQL store's) under the same sandbox and limits as
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

    /// <summary>Creates the agent tools over <paramref name="store"/>, through its <see cref="MirrorStore.Reader"/>.</summary>
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
        return CreateAITools(store.Reader, options);
    }

    /// <summary>
    /// Creates the read-only agent tools, with the default ceilings (100 rows, 32 KiB answers), over <paramref name="reader"/>,
    /// as <see cref="CreateAITools(MirrorReader, MirrorToolOptions?)"/> does without options.
    /// </summary>
    /// <param name="reader">The reader side of the mirror the tools read: <c>MirrorStore.Reader</c> or <c>PostgresMirrorStore.Reader</c>.</param>
    /// <returns>The read-only tools the reader can serve, in the order a model should meet them.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reader"/> is null.</exception>
    public static IList<AITool> CreateAITools(this MirrorReader reader) => CreateAITools(reader, null);

    /// <summary>
    /// Creates the agent tools over <paramref name="reader"/>, whichever store is behind it (<c>store.Reader.CreateAITools()</c>).
    /// A tool that needs a read the reader does not serve (<see cref="MirrorReader.Capabilities"/>) is left out —
    /// <c>explain_query</c> without <see cref="MirrorReaderCapabilities.QueryPlans"/>, <c>search</c> without
    /// <see cref="MirrorReaderCapabilities.Search"/> — and <c>query</c> offers <c>as_of</c> only with
    /// <see cref="MirrorReaderCapabilities.TimeTravel"/>; the descriptions name the reader's SQL dialect.
    /// </summary>
    /// <param name="reader">The reader side of the mirror the tools read.</param>
    /// <param name="options">The host's ceilings and whether <c>sync</c> is offered; <see langword="null"/> for the defaults (read-only tools, 32 KiB answers).</param>
    /// <returns>The tools, in the order a model should meet them; <c>sync</c>, when enabled, is last and requires approval.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reader"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit in <paramref name="options"/> is out of range.</exception>
    /// <exception cref="ArgumentException">
    /// <see cref="MirrorToolOptions.EnableSync"/> is set without a <see cref="MirrorToolOptions.Syncer"/>, a syncer is given
    /// without <see cref="MirrorToolOptions.EnableSync"/>, or the syncer writes a SQLite store other than the reader's (or
    /// writes another kind of store than the reader's). A syncer of the right kind of store is trusted to write the reader's mirror.
    /// </exception>
    /// <remarks>The tools are thread-safe, as readers are; one set may serve many conversations at once.</remarks>
    public static IList<AITool> CreateAITools(this MirrorReader reader, MirrorToolOptions? options)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new MirrorToolOptions();
        Validate(options);
        Func<CancellationToken, ValueTask<Syncer>>? syncer = null;
        if (options.EnableSync)
        {
            var given = options.Syncer ?? throw new ArgumentException("MirrorToolOptions.EnableSync is set, but MirrorToolOptions.Syncer is not: set it to the Syncer that syncs this store, or leave EnableSync false for read-only tools.", nameof(options));
            var sqlite = reader.Dialect == QueryDialect.Sqlite;
            if ((given.Store is { } written && !ReferenceEquals(written.Reader, reader)) || (given.Store is null && sqlite))
            {
                throw new ArgumentException("MirrorToolOptions.Syncer syncs another store than the one the tools read. Pass the Syncer created over this store (new Syncer(store.Writer)).", nameof(options));
            }

            syncer = _ => ValueTask.FromResult(given);
        }

        return Build(new ToolContext(_ => ValueTask.FromResult(reader), reader.Dialect, reader.Capabilities, syncer, options));
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

        // The provider declares its store's dialect and reads before the store opens, on the first call.
        return Build(new ToolContext(provider.GetReaderAsync, provider.Dialect, provider.Capabilities, syncer, options));
    }

    private static List<AITool> Build(ToolContext context)
    {
        var tools = new List<AITool>
        {
            SchemaTools.Overview(context),
            SchemaTools.Describe(context),
            QueryTools.Query(context),
        };
        if (context.Capabilities.HasFlag(MirrorReaderCapabilities.QueryPlans))
        {
            tools.Add(QueryTools.ExplainQuery(context));
        }

        if (context.Capabilities.HasFlag(MirrorReaderCapabilities.Search))
        {
            tools.Add(SearchTools.Search(context));
        }

        tools.Add(RecordTools.GetRecord(context));
        tools.Add(RecordTools.History(context));
        tools.Add(RecordTools.Explain(context));
        tools.Add(ChangeTools.ChangesSince(context));
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
