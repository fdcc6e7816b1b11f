using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OxideMirror;

/// <summary>
/// Pulls pages of changes from sources and applies them through a <see cref="MirrorWriter"/> — a <see cref="MirrorStore"/>'s,
/// or another store's such as OxideMirror.PostgreSql's: each page's changes and its cursor commit in one transaction, so
/// a crash at any point leaves the mirror as of the last committed page, and the next sync resumes from there.
/// </summary>
/// <remarks>
/// The syncer is thread-safe. Syncs of different sources may run at once (on the SQLite store their writes take turns on
/// its single writer); a sync of a source that is already syncing — through this syncer or any other on the same writer
/// in this process — waits for the first to finish, then resumes from its cursor. Syncs in other processes are the
/// store's to keep apart (the PostgreSQL store refuses a page of a source another worker holds locked).
/// </remarks>
public sealed partial class Syncer
{
    private readonly ConcurrentDictionary<string, ISyncSource> _sources = new(StringComparer.Ordinal);
    private readonly SyncerOptions _options;
    private readonly ILogger _logger;
    private readonly StoreTelemetry? _storeTelemetry;
    private readonly MirrorTelemetry _instruments;

    /// <summary>Initializes a new instance of the <see cref="Syncer"/> class that syncs into a SQLite store.</summary>
    /// <param name="store">The store to apply changes to; the syncer writes through its <see cref="MirrorStore.Writer"/> and records on its meter.</param>
    /// <param name="strategy">The conflict strategy for every source, or <see langword="null"/> for <see cref="LastWriteWins"/>.</param>
    /// <param name="options">The syncer's options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The two constructors differ in their first, required parameter (a store or a writer), so no call binds to both.")]
    public Syncer(MirrorStore store, IConflictStrategy? strategy = null, SyncerOptions? options = null)
        : this((store ?? throw new ArgumentNullException(nameof(store))).Writer, strategy, options)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="Syncer"/> class that syncs through a writer.</summary>
    /// <param name="writer">
    /// The writer to apply changes through. The SQLite store's writer records the syncs on that store's meter; any other
    /// writer's syncs record on the shared <see cref="OxideMirrorTelemetry.MeterName"/> meter.
    /// </param>
    /// <param name="strategy">The conflict strategy for every source, or <see langword="null"/> for <see cref="LastWriteWins"/>.</param>
    /// <param name="options">The syncer's options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The two constructors differ in their first, required parameter (a store or a writer), so no call binds to both.")]
    public Syncer(MirrorWriter writer, IConflictStrategy? strategy = null, SyncerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _options = options ?? new SyncerOptions();
        _options.Validate();
        Writer = writer;
        Store = writer.SqliteStore;
        _storeTelemetry = writer.Telemetry;
        _instruments = _storeTelemetry?.Instruments ?? MirrorTelemetry.Shared;
        Strategy = strategy ?? LastWriteWins.Instance;
        _logger = _options.LoggerFactory.CreateLogger<Syncer>();
    }

    /// <summary>Gets the SQLite store changes are applied to, or <see langword="null"/> when the syncer writes through another store's <see cref="Writer"/>.</summary>
    public MirrorStore? Store { get; }

    /// <summary>Gets the writer changes are applied through.</summary>
    public MirrorWriter Writer { get; }

    /// <summary>Gets the conflict strategy.</summary>
    public IConflictStrategy Strategy { get; }

    /// <summary>Gets the sources added so far.</summary>
    public IReadOnlyCollection<ISyncSource> Sources => _sources.Values.ToList();

    /// <summary>Adds a source; <see cref="SyncAllAsync(IProgress{SyncProgress}, CancellationToken)"/> and <see cref="SyncSourceAsync(string, IProgress{SyncProgress}, CancellationToken)"/> then sync it by id.</summary>
    /// <param name="source">The source.</param>
    /// <returns>This syncer, to chain calls.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentException">The source's id is empty, or a source with the same id was added before.</exception>
    public Syncer AddSource(ISyncSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (Ids.IsBlank(source.Id))
        {
            throw new ArgumentException($"The source of type {source.GetType().Name} has an empty Id. Give every source a unique, non-empty id.", nameof(source));
        }

        if (!_sources.TryAdd(source.Id, source))
        {
            throw new ArgumentException($"A source with id '{source.Id}' was already added. Give every source a unique id.", nameof(source));
        }

        return this;
    }

    /// <summary>Gets an added source by id.</summary>
    /// <param name="sourceId">The source's id.</param>
    /// <returns>The source.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sourceId"/> is null.</exception>
    /// <exception cref="UnknownSourceException">No source with that id was added.</exception>
    public ISyncSource GetSource(string sourceId)
    {
        ArgumentNullException.ThrowIfNull(sourceId);
        return _sources.TryGetValue(sourceId, out var source) ? source : throw new UnknownSourceException(sourceId, _sources.Keys);
    }

    /// <summary>Syncs an added source by id: pulls pages from its stored cursor until it has no more.</summary>
    /// <param name="sourceId">The source's id.</param>
    /// <param name="cancellationToken">A token to stop between pages; a page being applied when it fires commits nothing.</param>
    /// <returns>What the sync did.</returns>
    /// <exception cref="UnknownSourceException">No source with that id was added.</exception>
    /// <exception cref="InvalidDeltaException">A page held an invalid delta; that page committed nothing and the cursor stayed before it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="MirrorException">The source returned an unusable page.</exception>
    public Task<SyncReport> SyncSourceAsync(string sourceId, CancellationToken cancellationToken) =>
        SyncSourceAsync(sourceId, progress: null, cancellationToken);

    /// <summary>Syncs an added source by id: pulls pages from its stored cursor until it has no more, reporting progress after each committed page.</summary>
    /// <param name="sourceId">The source's id.</param>
    /// <param name="progress">Where to report the sync's counts after each committed page, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to stop between pages; a page being applied when it fires commits nothing.</param>
    /// <returns>What the sync did.</returns>
    /// <exception cref="UnknownSourceException">No source with that id was added.</exception>
    /// <exception cref="InvalidDeltaException">A page held an invalid delta; that page committed nothing and the cursor stayed before it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="MirrorException">The source returned an unusable page.</exception>
    public Task<SyncReport> SyncSourceAsync(string sourceId, IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default) =>
        SyncAsync(GetSource(sourceId), progress, cancellationToken);

    /// <summary>
    /// Syncs a source (added or not): pulls pages from its stored cursor until a page says it has no more, committing each
    /// page's changes with its cursor in one transaction.
    /// </summary>
    /// <param name="source">The source.</param>
    /// <param name="cancellationToken">A token to stop between pages; a page being applied when it fires commits nothing.</param>
    /// <returns>What the sync did.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="InvalidDeltaException">A page held an invalid delta; that page committed nothing and the cursor stayed before it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="MirrorException">The source returned an unusable page.</exception>
    /// <remarks>Any exception the source throws propagates as it is; pages committed before it stay committed.</remarks>
    public Task<SyncReport> SyncAsync(ISyncSource source, CancellationToken cancellationToken) =>
        SyncAsync(source, progress: null, cancellationToken);

    /// <summary>
    /// Syncs a source (added or not): pulls pages from its stored cursor until a page says it has no more, committing each
    /// page's changes with its cursor in one transaction, and reporting progress after each committed page.
    /// </summary>
    /// <param name="source">The source.</param>
    /// <param name="progress">
    /// Where to report the sync's counts after each committed page, or <see langword="null"/>. It is called on the syncing
    /// thread, after the page's transaction committed; an exception it throws ends the sync (the page stays committed).
    /// </param>
    /// <param name="cancellationToken">A token to stop between pages; a page being applied when it fires commits nothing.</param>
    /// <returns>What the sync did.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="InvalidDeltaException">A page held an invalid delta; that page committed nothing and the cursor stayed before it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="MirrorException">The source returned an unusable page.</exception>
    /// <remarks>Any exception the source throws propagates as it is; pages committed before it stay committed.</remarks>
    public Task<SyncReport> SyncAsync(ISyncSource source, IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        return SyncExclusiveAsync(source, progress, throwOnError: true, cancellationToken);
    }

    /// <summary>Syncs every added source, one after another; a source that fails does not stop the others.</summary>
    /// <param name="cancellationToken">A token to stop; cancellation is not reported per source but thrown.</param>
    /// <returns>One report per source, in id order; a failed source's report carries the exception in <see cref="SyncReport.Error"/>.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<IReadOnlyList<SyncReport>> SyncAllAsync(CancellationToken cancellationToken) =>
        SyncAllAsync(progress: null, cancellationToken);

    /// <summary>Syncs every added source, one after another, reporting progress after each committed page; a source that fails does not stop the others.</summary>
    /// <param name="progress">Where to report each sync's counts after each committed page (<see cref="SyncProgress.Source"/> says whose), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to stop; cancellation is not reported per source but thrown.</param>
    /// <returns>One report per source, in id order; a failed source's report carries the exception in <see cref="SyncReport.Error"/>.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<IReadOnlyList<SyncReport>> SyncAllAsync(IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var reports = new List<SyncReport>();
        foreach (var source in _sources.Values.OrderBy(s => s.Id, StringComparer.Ordinal).ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            reports.Add(await SyncExclusiveAsync(source, progress, throwOnError: false, cancellationToken).ConfigureAwait(false));
        }

        return reports;
    }

    /// <summary>
    /// Syncs a source like <see cref="SyncAsync(ISyncSource, IProgress{SyncProgress}, CancellationToken)"/>, but returns a
    /// failure in the report's <see cref="SyncReport.Error"/> instead of throwing it; cancellation of
    /// <paramref name="cancellationToken"/> still throws. For the background sync.
    /// </summary>
    internal Task<SyncReport> SyncReportingAsync(ISyncSource source, IProgress<SyncProgress>? progress, CancellationToken cancellationToken) =>
        SyncExclusiveAsync(source, progress, throwOnError: false, cancellationToken);

    private async Task<SyncReport> SyncExclusiveAsync(ISyncSource source, IProgress<SyncProgress>? progress, bool throwOnError, CancellationToken cancellationToken)
    {
        var gate = SourceLocks.For(Writer, source.Id);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunAsync(source, progress, throwOnError, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }
}
