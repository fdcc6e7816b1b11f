using Microsoft.Extensions.Logging;

namespace OxideMirror.AI;

/// <summary>What every tool of one <see cref="MirrorTools.CreateAITools(MirrorReader, MirrorToolOptions?)"/> call shares: where the reader comes from, its dialect and capabilities, the ceilings, and the logger.</summary>
internal sealed class ToolContext
{
    public ToolContext(Func<CancellationToken, ValueTask<MirrorReader>> reader, QueryDialect dialect, MirrorReaderCapabilities capabilities, Func<CancellationToken, ValueTask<Syncer>>? syncer, MirrorToolOptions options)
    {
        Reader = reader;
        Dialect = dialect;
        Capabilities = capabilities;
        Syncer = syncer;
        MaxAnswerBytes = options.MaxAnswerBytes;
        DefaultQueryRows = options.DefaultQueryRows;
        MaxQueryRows = options.MaxQueryRows;
        QueryTimeout = options.QueryTimeout;
        Logger = options.LoggerFactory.CreateLogger("OxideMirror.AI.MirrorTools");
    }

    /// <summary>Gets the reader the tools read through; a provider's store opens on the first call.</summary>
    public Func<CancellationToken, ValueTask<MirrorReader>> Reader { get; }

    /// <summary>Gets the SQL dialect the tools tell the model to write, known when the tools are created.</summary>
    public QueryDialect Dialect { get; }

    /// <summary>Gets the reader's optional reads: a tool that needs one it lacks is left out of the catalogue.</summary>
    public MirrorReaderCapabilities Capabilities { get; }

    /// <summary>Gets whether the reader runs PostgreSQL's SQL.</summary>
    public bool Postgres => Dialect == QueryDialect.PostgreSql;

    /// <summary>Gets the dialect's name as the tools' descriptions say it.</summary>
    public string DialectName => Postgres ? "PostgreSQL" : "SQLite";

    /// <summary>Gets how a model reads a payload key that has no column, in the dialect (<c>key</c> is the placeholder).</summary>
    public string PayloadKey => Postgres ? "payload->>'key'" : "json_extract(payload, '$.key')";

    public Func<CancellationToken, ValueTask<Syncer>>? Syncer { get; }

    public int MaxAnswerBytes { get; }

    public int DefaultQueryRows { get; }

    public int MaxQueryRows { get; }

    public TimeSpan? QueryTimeout { get; }

    public ILogger Logger { get; }

    /// <summary>Gets the most bytes one payload or value inside a list may take, so that one large record leaves room for the others.</summary>
    public long ItemCap => Math.Max(512, MaxAnswerBytes / 8);
}
