using OxideMirror.Kernel;
namespace OxideMirror.Hosting;

/// <summary>Configures the mirror that <see cref="Microsoft.Extensions.DependencyInjection.OxideMirrorServiceCollectionExtensions.AddOxideMirror"/> registers in a host.</summary>
public sealed class OxideMirrorOptions
{
    /// <summary>Gets or sets the path of the SQLite file the mirror keeps.</summary>
    /// <value>The default is <see langword="null"/>: a private in-memory store that lives as long as the host (unless <see cref="UseStore"/> names another store).</value>
    public string? StorePath { get; set; }

    /// <summary>Gets the SQL dialect of the store the mirror is kept in: <see cref="QueryDialect.Sqlite"/> unless <see cref="UseStore"/> named another.</summary>
    internal QueryDialect Dialect => _otherStore?.Dialect ?? QueryDialect.Sqlite;

    /// <summary>Gets the optional reads the store serves: every one for the SQLite store, else what <see cref="UseStore"/> declared.</summary>
    internal MirrorReaderCapabilities Capabilities => _otherStore?.Capabilities ?? (MirrorReaderCapabilities.QueryPlans | MirrorReaderCapabilities.Search | MirrorReaderCapabilities.TimeTravel);

    /// <summary>Gets the callback that opens another store, or <see langword="null"/> for the SQLite store.</summary>
    internal Func<IServiceProvider, CancellationToken, Task<HostedMirror>>? OpenOtherStore => _otherStore?.Open;

    /// <summary>
    /// Keeps the mirror in a store other than the SQLite one: the container opens it once, on first use, with
    /// <paramref name="open"/>, syncs through its writer, serves the module and the agent tools from its reader, and
    /// disposes it with the container. A store package calls this (for example OxideMirror.PostgreSql's
    /// <c>options.UsePostgreSql(connectionString)</c>); <see cref="Store"/> (the SQLite store's options) is then not used.
    /// </summary>
    /// <param name="dialect">The SQL dialect the store's reader runs, which the agent tools tell a model before the store opens.</param>
    /// <param name="capabilities">The optional reads the store's reader serves; the opened reader must serve the same.</param>
    /// <param name="open">Opens the store, given the container's services (for its logger factory and options) and a token.</param>
    /// <returns>These options, to chain calls.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="open"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dialect"/> is not a defined dialect.</exception>
    public OxideMirrorOptions UseStore(QueryDialect dialect, MirrorReaderCapabilities capabilities, Func<IServiceProvider, CancellationToken, Task<HostedMirror>> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        if (!Enum.IsDefined(dialect))
        {
            throw new ArgumentOutOfRangeException(nameof(dialect), dialect, "The dialect must be QueryDialect.Sqlite or QueryDialect.PostgreSql.");
        }

        _otherStore = (dialect, capabilities, open);
        return this;
    }

    /// <summary>Gets or sets the store's options (query limits, time provider, migrations). When its logger factory is the null one, the host's is used.</summary>
    /// <value>The default is a new <see cref="MirrorStoreOptions"/>.</value>
    public MirrorStoreOptions Store { get; set; } = new();

    /// <summary>Gets or sets the syncer's options. When its logger factory is the null one, the host's is used.</summary>
    /// <value>The default is a new <see cref="SyncerOptions"/>.</value>
    public SyncerOptions Syncer { get; set; } = new();

    /// <summary>Gets or sets the conflict strategy for every source.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="LastWriteWins"/>.</value>
    public IConflictStrategy? Strategy { get; set; }

    /// <summary>Gets the sources to sync; sources registered in the container as <see cref="ISyncSource"/> are added too.</summary>
    /// <value>The default is an empty list.</value>
    public IList<ISyncSource> Sources { get; } = [];

    /// <summary>Gets or sets whether a hosted service runs a <see cref="MirrorModule"/> on the container's <see cref="IMessageBus"/>.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool EnableModule { get; set; } = true;

    /// <summary>Gets or sets the module's options.</summary>
    /// <value>The default is a new <see cref="MirrorModuleOptions"/>. When its logger factory is the null one, the host's is used.</value>
    public MirrorModuleOptions Module { get; set; } = new();

    /// <summary>Gets or sets whether a background service syncs every source on its interval.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool EnableBackgroundSync { get; set; }

    /// <summary>
    /// Gets or sets where the background sync reports its progress: after each committed page of every run of every
    /// source (<see cref="SyncProgress.Source"/> says whose), on the syncing thread, so sources syncing at once call it
    /// concurrently. Wait for the first run of each source with <see cref="IMirrorStoreProvider.WhenSyncedAsync"/>.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no progress is reported.</value>
    public IProgress<SyncProgress>? Progress { get; set; }

    /// <summary>Gets or sets how long the background sync waits after a successful run of a source before the next.</summary>
    /// <value>The default is 5 minutes. It must be more than zero and at most 24 days.</value>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets the per-source intervals, by source id, that replace <see cref="SyncInterval"/> for those sources.</summary>
    /// <value>The default is an empty dictionary. Each interval must be more than zero and at most 24 days.</value>
    public IDictionary<string, TimeSpan> SourceIntervals { get; } = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);

    /// <summary>Gets or sets how long the background sync waits after a source's first failure; each further failure in a row doubles it.</summary>
    /// <value>The default is 5 seconds. It must be more than zero and at most <see cref="MaxBackoff"/>.</value>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the longest wait after failures.</summary>
    /// <value>The default is 5 minutes. It must be at most 24 days.</value>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the random share added to a backoff wait (0.2 adds up to 20%), so that failing sources do not retry in step.</summary>
    /// <value>The default is 0.2. It must be from 0 to 1.</value>
    public double BackoffJitter { get; set; } = 0.2;

    /// <summary>Gets or sets the clock the background sync waits on.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Adds a source to sync.</summary>
    /// <param name="source">The source.</param>
    /// <returns>These options, to chain calls.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    public OxideMirrorOptions AddSource(ISyncSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Sources.Add(source);
        return this;
    }

    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(24);

    private (QueryDialect Dialect, MirrorReaderCapabilities Capabilities, Func<IServiceProvider, CancellationToken, Task<HostedMirror>> Open)? _otherStore;

    internal TimeSpan IntervalFor(string sourceId) => SourceIntervals.TryGetValue(sourceId, out var interval) ? interval : SyncInterval;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Store, "OxideMirrorOptions.Store");
        ArgumentNullException.ThrowIfNull(Syncer, "OxideMirrorOptions.Syncer");
        ArgumentNullException.ThrowIfNull(Module, "OxideMirrorOptions.Module");
        ArgumentNullException.ThrowIfNull(TimeProvider, "OxideMirrorOptions.TimeProvider");
        if (StorePath is not null && Ids.IsBlank(StorePath))
        {
            throw new ArgumentException("OxideMirrorOptions.StorePath is blank. Set a file path, or leave it null for an in-memory store.", nameof(StorePath));
        }

        if (StorePath is not null && _otherStore is not null)
        {
            throw new ArgumentException($"OxideMirrorOptions.StorePath is '{StorePath}', and UseStore also names another store ({Dialect}). Keep one: clear StorePath to use the other store, or drop the UseStore call to keep the SQLite file.", nameof(StorePath));
        }

        TimerWait(SyncInterval, "OxideMirrorOptions.SyncInterval");
        TimerWait(InitialBackoff, "OxideMirrorOptions.InitialBackoff");
        TimerWait(MaxBackoff, "OxideMirrorOptions.MaxBackoff");
        foreach (var (id, interval) in SourceIntervals)
        {
            TimerWait(interval, $"OxideMirrorOptions.SourceIntervals['{id}']");
        }

        if (MaxBackoff < InitialBackoff)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBackoff), MaxBackoff, "OxideMirrorOptions.MaxBackoff must be at least InitialBackoff.");
        }

        if (double.IsNaN(BackoffJitter) || BackoffJitter is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BackoffJitter), BackoffJitter, "OxideMirrorOptions.BackoffJitter must be from 0 to 1.");
        }
    }

    /// <summary>
    /// Checks a wait of the background sync: positive, and at most 24 days, so that the longest backoff with full jitter
    /// (48 days) stays within what a timer can wait (about 49.7 days); past that the wait threw and ended the service.
    /// </summary>
    private static void TimerWait(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value > MaxWait)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be more than zero and at most 24 days.");
        }
    }
}
