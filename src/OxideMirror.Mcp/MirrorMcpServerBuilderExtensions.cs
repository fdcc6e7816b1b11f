using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol.Server;
using OxideMirror;
using OxideMirror.AI;
using OxideMirror.Hosting;
using OxideMirror.Mcp;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the mirror's agent tools to an MCP server built with the Model Context Protocol SDK (<c>AddMcpServer()</c>).</summary>
public static class MirrorMcpServerBuilderExtensions
{
    /// <summary>
    /// Adds the read-only mirror tools, with the default ceilings, over the store of the container's
    /// <see cref="IMirrorStoreProvider"/> (registered by <c>AddOxideMirror</c>), and the server instructions
    /// (<see cref="MirrorMcpTools.Instructions"/>).
    /// </summary>
    /// <param name="builder">The MCP server's builder.</param>
    /// <returns>The same builder, to chain calls.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static IMcpServerBuilder WithMirrorTools(this IMcpServerBuilder builder) => WithMirrorTools(builder, new MirrorToolOptions());

    /// <summary>
    /// Adds the mirror tools over the store of the container's <see cref="IMirrorStoreProvider"/> (registered by
    /// <c>AddOxideMirror</c>), opened on the first call, and the server instructions (<see cref="MirrorMcpTools.Instructions"/>).
    /// </summary>
    /// <param name="builder">The MCP server's builder.</param>
    /// <param name="options">The host's ceilings and whether <c>sync</c> is offered (its syncer comes from the provider unless set).</param>
    /// <returns>The same builder, to chain calls.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit in <paramref name="options"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A syncer is given without <see cref="MirrorToolOptions.EnableSync"/>.</exception>
    public static IMcpServerBuilder WithMirrorTools(this IMcpServerBuilder builder, MirrorToolOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);

        // Validated now, on a provider that is never asked for a store, so that bad options fail at start-up. Which
        // tools there are, and the instructions' dialect, follow the container's provider (a PostgreSQL store serves
        // fewer reads), so both are added to the server's options when the container makes them.
        _ = MirrorTools.CreateAITools(new UnusedProvider(), options);
        builder.Services.TryAddSingleton(sp => new MirrorMcpToolSet(MirrorMcpTools.Create(sp.GetRequiredService<IMirrorStoreProvider>().CreateAITools(options))));
        builder.Services.AddOptions<McpServerOptions>().Configure<MirrorMcpToolSet, IMirrorStoreProvider>((o, set, provider) =>
        {
            o.ToolCollection ??= [];
            foreach (var tool in set.Tools)
            {
                o.ToolCollection.TryAdd(tool);
            }

            AddInstructions(o, MirrorMcpTools.InstructionsFor(provider.Dialect, provider.Capabilities));
        });
        return builder;
    }

    /// <summary>Adds the read-only mirror tools over <paramref name="store"/>, with the default ceilings, and the server instructions.</summary>
    /// <param name="builder">The MCP server's builder.</param>
    /// <param name="store">The mirror the tools read.</param>
    /// <returns>The same builder, to chain calls.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="store"/> is null.</exception>
    public static IMcpServerBuilder WithMirrorTools(this IMcpServerBuilder builder, MirrorStore store) => WithMirrorTools(builder, store, null);

    /// <summary>Adds the mirror tools over <paramref name="store"/> and the server instructions (<see cref="MirrorMcpTools.Instructions"/>).</summary>
    /// <param name="builder">The MCP server's builder.</param>
    /// <param name="store">The mirror the tools read.</param>
    /// <param name="options">The host's ceilings and whether <c>sync</c> is offered; <see langword="null"/> for the defaults (read-only tools, 32 KiB answers).</param>
    /// <returns>The same builder, to chain calls.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="store"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit in <paramref name="options"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><see cref="MirrorToolOptions.EnableSync"/> is set without a syncer of this store, or a syncer is given without it.</exception>
    public static IMcpServerBuilder WithMirrorTools(this IMcpServerBuilder builder, MirrorStore store, MirrorToolOptions? options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(store);
        return WithMirrorTools(builder, store.Reader, options);
    }

    /// <summary>Adds the read-only mirror tools over <paramref name="reader"/> (<c>MirrorStore.Reader</c> or <c>PostgresMirrorStore.Reader</c>), with the default ceilings, and the server instructions.</summary>
    /// <param name="builder">The MCP server's builder.</param>
    /// <param name="reader">The reader side of the mirror the tools read.</param>
    /// <returns>The same builder, to chain calls.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="reader"/> is null.</exception>
    public static IMcpServerBuilder WithMirrorTools(this IMcpServerBuilder builder, MirrorReader reader) => WithMirrorTools(builder, reader, null);

    /// <summary>
    /// Adds the mirror tools over <paramref name="reader"/>, whichever store is behind it, and the server instructions in
    /// the reader's SQL dialect; a tool the reader cannot serve (<see cref="MirrorReader.Capabilities"/>) is left out, as
    /// <see cref="MirrorTools.CreateAITools(MirrorReader, MirrorToolOptions?)"/> leaves it out.
    /// </summary>
    /// <param name="builder">The MCP server's builder.</param>
    /// <param name="reader">The reader side of the mirror the tools read.</param>
    /// <param name="options">The host's ceilings and whether <c>sync</c> is offered; <see langword="null"/> for the defaults (read-only tools, 32 KiB answers).</param>
    /// <returns>The same builder, to chain calls.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="reader"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit in <paramref name="options"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><see cref="MirrorToolOptions.EnableSync"/> is set without a syncer of this store, or a syncer is given without it.</exception>
    public static IMcpServerBuilder WithMirrorTools(this IMcpServerBuilder builder, MirrorReader reader, MirrorToolOptions? options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(reader);
        builder.WithTools(MirrorMcpTools.Create(reader.CreateAITools(options)));
        return AddInstructions(builder, MirrorMcpTools.InstructionsFor(reader));
    }

    private static IMcpServerBuilder AddInstructions(IMcpServerBuilder builder, string instructions)
    {
        builder.Services.Configure<McpServerOptions>(o => AddInstructions(o, instructions));
        return builder;
    }

    /// <summary>Adds the mirror's instructions to the server's, once, after any the host set.</summary>
    private static void AddInstructions(McpServerOptions options, string instructions)
    {
        if (options.ServerInstructions is null || !options.ServerInstructions.Contains(instructions, StringComparison.Ordinal))
        {
            options.ServerInstructions = string.IsNullOrWhiteSpace(options.ServerInstructions) ? instructions : options.ServerInstructions + "\n\n" + instructions;
        }
    }

    /// <summary>The container's one set of mirror tools, made on first use from the store provider.</summary>
    private sealed class MirrorMcpToolSet(IReadOnlyList<McpServerTool> tools)
    {
        public IReadOnlyList<McpServerTool> Tools { get; } = tools;
    }

    private sealed class UnusedProvider : IMirrorStoreProvider
    {
        public QueryDialect Dialect => QueryDialect.Sqlite;

        public MirrorReaderCapabilities Capabilities => MirrorReaderCapabilities.QueryPlans | MirrorReaderCapabilities.Search | MirrorReaderCapabilities.TimeTravel;

        public ValueTask<MirrorStore> GetStoreAsync(CancellationToken cancellationToken = default) => throw new InvalidOperationException();

        public ValueTask<MirrorReader> GetReaderAsync(CancellationToken cancellationToken = default) => throw new InvalidOperationException();

        public ValueTask<Syncer> GetSyncerAsync(CancellationToken cancellationToken = default) => throw new InvalidOperationException();

        public Task<SyncReport> WhenSyncedAsync(string sourceId, CancellationToken cancellationToken = default) => throw new InvalidOperationException();

        public Task<IReadOnlyList<SyncReport>> WhenAllSyncedAsync(CancellationToken cancellationToken = default) => throw new InvalidOperationException();
    }
}
