namespace OxideMirror;

/// <summary>
/// The reader side of a mirror: what the agent tools (OxideMirror.AI, OxideMirror.Mcp) read through — bounded read-only
/// SQL, the schema description, the log's position, a record and its tombstone, its history and field provenance, and
/// what changed after a position or a time. The SQLite store (<see cref="MirrorStore.Reader"/>) and OxideMirror.PostgreSql's
/// store each implement it, and one contract test suite checks both.
/// </summary>
/// <remarks>
/// <para>
/// An abstract class, as <c>System.Threading.Channels.ChannelReader&lt;T&gt;</c> is and as <see cref="MirrorWriter"/> is,
/// rather than an interface: a store exposes its reader as a property beside its writer, so one store type never
/// implements both contracts; members added in a later version come with a default implementation; and reads only some
/// stores serve are virtual members whose default throws, announced by <see cref="Capabilities"/>.
/// </para>
/// <para>
/// The required reads are abstract. <see cref="ExplainQueryAsync"/> and <see cref="SearchAsync"/> are virtual and throw
/// <see cref="MirrorNotSupportedException"/> unless <see cref="Capabilities"/> says the store serves them; a caller that
/// offers reads to a model checks <see cref="Capabilities"/> and leaves out what the store lacks.
/// <see cref="ExplainAsync"/> is virtual with a working default built on <see cref="GetRecordAsync"/> and
/// <see cref="GetHistoryAsync"/>, since field provenance follows from the log alone; a store overrides it with a walk that
/// stops early (the SQLite store does).
/// </para>
/// <para>
/// Implementations must be thread-safe: one reader serves many conversations at once. Each read sees committed pages
/// only. A store hands out one reader instance.
/// </para>
/// </remarks>
public abstract class MirrorReader
{
    /// <summary>Initializes a new instance of the <see cref="MirrorReader"/> class.</summary>
    protected MirrorReader()
    {
    }

    /// <summary>Gets the SQLite store this reader reads, or <see langword="null"/> for another store's reader: how a module or a tool set checks that its syncer writes the same store.</summary>
    internal virtual MirrorStore? SqliteStore => null;

    /// <summary>Gets the SQL dialect <see cref="QueryAsync"/> runs.</summary>
    public abstract QueryDialect Dialect { get; }

    /// <summary>Gets the time limit of one query when <see cref="QueryOptions.Timeout"/> is not set: the store's option.</summary>
    public abstract TimeSpan QueryTimeout { get; }

    /// <summary>Gets how many rows one query's result holds at most: the store's option, which <see cref="QueryOptions.MaxRows"/> may only lower.</summary>
    public abstract int MaxQueryRows { get; }

    /// <summary>Gets how many bytes one query's result takes at most, as <see cref="QueryResult.ToJson"/> writes it: the store's option, which <see cref="QueryOptions.MaxBytes"/> may only lower.</summary>
    public abstract long MaxQueryBytes { get; }

    /// <summary>Gets the optional reads this reader serves; a read not listed throws <see cref="MirrorNotSupportedException"/>.</summary>
    /// <value>The default is <see cref="MirrorReaderCapabilities.None"/>.</value>
    public virtual MirrorReaderCapabilities Capabilities => MirrorReaderCapabilities.None;

    /// <summary>
    /// Runs one read-only statement an agent wrote, in <see cref="Dialect"/>, bounded by a time limit, a row cap and a byte
    /// cap (the store's, or <paramref name="options"/>' lower ones), and returns its rows.
    /// </summary>
    /// <param name="sql">One read-only statement (a <c>SELECT</c> or <c>WITH … SELECT</c>); parameters as <c>@name</c>.</param>
    /// <param name="parameters">The parameters' values (an anonymous object or a dictionary), or <see langword="null"/>.</param>
    /// <param name="options">This call's limits, or <see langword="null"/> for the store's; <see cref="QueryOptions.AsOf"/> needs <see cref="MirrorReaderCapabilities.TimeTravel"/>.</param>
    /// <param name="cancellationToken">A token to cancel the query.</param>
    /// <returns>The rows, with <see cref="QueryResult.Truncated"/> set when a cap cut them short.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sql"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is empty or holds a NUL character, or a parameter cannot be bound.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit in <paramref name="options"/> is out of range.</exception>
    /// <exception cref="QueryNotReadOnlyException">The SQL could change the mirror, reach outside it, or is more than one statement; nothing ran (code <c>query_refused</c>).</exception>
    /// <exception cref="QueryTimeoutException">The query ran past its time limit and was stopped (code <c>query_timeout</c>).</exception>
    /// <exception cref="QueryException">The SQL is invalid or failed, or asks for a moment the store cannot travel to (code <c>query_failed</c>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public abstract Task<QueryResult> QueryAsync(string sql, object? parameters = null, QueryOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Describes the mirror as an agent needs it: each resource's table with its columns and types, its record count and
    /// the freshness of its sources, likely join keys, the internal tables worth knowing and the query limits. Each store
    /// documents how it counts and samples.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The description.</returns>
    /// <exception cref="MirrorStorageException">The store cannot be read.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public abstract Task<MirrorDescription> DescribeAsync(CancellationToken cancellationToken = default);

    /// <summary>Gets the current end of the event log: the position of the newest committed event, or 0 when the log is empty.</summary>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The position; pass it to <see cref="GetChangesAsync(long, string?, int, CancellationToken)"/> to read on from now.</returns>
    /// <exception cref="MirrorStorageException">The store cannot be read.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public abstract Task<long> GetPositionAsync(CancellationToken cancellationToken = default);

    /// <summary>Gets a record's current state; a deleted record is not returned (see <see cref="GetTombstoneAsync"/>).</summary>
    /// <param name="resource">The resource, for example <c>customers</c>.</param>
    /// <param name="recordId">The record's id.</param>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The record, or <see langword="null"/> when it was never seen or is deleted.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> or <paramref name="recordId"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="resource"/> or <paramref name="recordId"/> is empty or white space.</exception>
    /// <exception cref="MirrorStorageException">The store cannot be read.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public abstract Task<MirroredRecord?> GetRecordAsync(string resource, string recordId, CancellationToken cancellationToken = default);

    /// <summary>Gets a deleted record's tombstone: when it was deleted, by which source, at which version.</summary>
    /// <param name="resource">The resource.</param>
    /// <param name="recordId">The record's id.</param>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The tombstone, or <see langword="null"/> when the record is live or was never seen.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> or <paramref name="recordId"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="resource"/> or <paramref name="recordId"/> is empty or white space.</exception>
    /// <exception cref="MirrorStorageException">The store cannot be read.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public abstract Task<Tombstone?> GetTombstoneAsync(string resource, string recordId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams a resource's live records in record-id order, a page per round trip, so that memory stays flat however
    /// many records there are and no read stays open between pages. Each store documents its id order.
    /// </summary>
    /// <param name="resource">The resource, for example <c>customers</c>.</param>
    /// <param name="pageSize">How many records to read per round trip, from 1 to 100,000. The default is 500.</param>
    /// <param name="after">Start after this record id (exclusive), for example the last id of a previous page; <see langword="null"/> (the default) starts at the first record.</param>
    /// <param name="cancellationToken">A token that ends the stream.</param>
    /// <returns>The records; a record changed while the stream runs may appear in its old or new state. An unknown resource streams none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="resource"/> is empty or white space.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pageSize"/> is not between 1 and 100,000.</exception>
    /// <exception cref="MirrorStorageException">The store cannot be read.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public abstract IAsyncEnumerable<MirroredRecord> ListRecordsAsync(string resource, int pageSize = 500, string? after = null, CancellationToken cancellationToken = default);

    /// <summary>Lists every resource the mirror has seen, in name order (ordinal).</summary>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The resource names.</returns>
    /// <exception cref="MirrorStorageException">The store cannot be read.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public abstract Task<IReadOnlyList<string>> ListResourcesAsync(CancellationToken cancellationToken = default);

    /// <summary>Counts the live records (deleted ones excluded) of every resource the mirror has seen.</summary>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The exact count per resource name; a resource whose records were all deleted counts 0.</returns>
    /// <exception cref="MirrorStorageException">The store cannot be read.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public abstract Task<IReadOnlyDictionary<string, long>> RecordCountsAsync(CancellationToken cancellationToken = default);

    /// <summary>Gets every event logged for a record, oldest first: applied, skipped and unchanged deltas and deletes, each with its decision and the record's state after it.</summary>
    /// <param name="resource">The resource.</param>
    /// <param name="recordId">The record's id.</param>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The history; empty when the record was never seen.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> or <paramref name="recordId"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="resource"/> or <paramref name="recordId"/> is empty or white space.</exception>
    /// <exception cref="MirrorStorageException">The store cannot be read.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public abstract Task<IReadOnlyList<RecordChange>> GetHistoryAsync(string resource, string recordId, CancellationToken cancellationToken = default);

    /// <summary>Gets what changed after a log position, as one page: the net change to each record, and the position to pass next time.</summary>
    /// <param name="sincePosition">The position seen up to: 0 for everything, else the previous page's <see cref="ChangeSet.Position"/>.</param>
    /// <param name="resource">A resource to report on, or <see langword="null"/> (the default) for all.</param>
    /// <param name="limit">The most applied events one page covers; the default is 1,000 and the most is 100,000.</param>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The page; when <see cref="ChangeSet.HasMore"/> is true, call again from its <see cref="ChangeSet.Position"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sincePosition"/> is negative, or <paramref name="limit"/> is not between 1 and 100,000.</exception>
    /// <exception cref="ArgumentException"><paramref name="resource"/> is empty or white space.</exception>
    /// <exception cref="MirrorStorageException">The store cannot be read.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    /// <remarks>The net rule is <see cref="MirrorStore.GetChangesAsync(long, string?, int, CancellationToken)"/>'s, in every store.</remarks>
    public abstract Task<ChangeSet> GetChangesAsync(long sincePosition, string? resource = null, int limit = 1000, CancellationToken cancellationToken = default);

    /// <summary>Gets what changed after a time (applied time), as one page of at most 1,000 applied events; read on by position from its <see cref="ChangeSet.Position"/>.</summary>
    /// <param name="since">The applied time to report changes after.</param>
    /// <param name="resource">A resource to report on, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The page.</returns>
    /// <exception cref="ArgumentException"><paramref name="resource"/> is empty or white space.</exception>
    /// <exception cref="MirrorStorageException">The store cannot be read.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public abstract Task<ChangeSet> GetChangesAsync(DateTimeOffset since, string? resource, CancellationToken cancellationToken);

    /// <summary>
    /// Explains a record's current payload field by field: for each top-level field, the source and event that set it.
    /// </summary>
    /// <param name="resource">The resource.</param>
    /// <param name="recordId">The record's id.</param>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The explanation, or <see langword="null"/> when the record was never seen or is deleted.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> or <paramref name="recordId"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="resource"/> or <paramref name="recordId"/> is empty or white space.</exception>
    /// <exception cref="MirrorStorageException">The store cannot be read.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    /// <remarks>
    /// The default reads the record (<see cref="GetRecordAsync"/>) and its whole history (<see cref="GetHistoryAsync"/>),
    /// then applies the rule of <see cref="MirrorStore.ExplainAsync"/>: walking the applied events no newer than the
    /// record's version from the newest back, a field belongs to the newest one whose incoming payload holds the field's
    /// current value, and the event that replaced the whole record owns the rest. The rule needs nothing but the log, so
    /// every store serves it; a store overrides it to stop reading early (the SQLite store walks its index page by page).
    /// Two reads, not one snapshot: a page committed between them is ignored, as its events are newer than the record read.
    /// </remarks>
    public virtual async Task<RecordExplanation?> ExplainAsync(string resource, string recordId, CancellationToken cancellationToken = default)
    {
        Ids.ThrowIfBlank(resource);
        Ids.ThrowIfBlank(recordId);
        var record = await GetRecordAsync(resource, recordId, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return null;
        }

        var history = await GetHistoryAsync(resource, recordId, cancellationToken).ConfigureAwait(false);
        return HistoryExplainer.Explain(record, history);
    }

    /// <summary>Returns the plan the store would use for one agent query, without running it, with hints where no index serves a join or a filter.</summary>
    /// <param name="sql">The statement, as it would be sent to <see cref="QueryAsync"/>.</param>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The plan's steps and hints.</returns>
    /// <exception cref="MirrorNotSupportedException">The store does not serve query plans (<see cref="Capabilities"/> lacks <see cref="MirrorReaderCapabilities.QueryPlans"/>); the default.</exception>
    /// <exception cref="QueryNotReadOnlyException">The SQL would be refused by <see cref="QueryAsync"/>.</exception>
    /// <exception cref="QueryException">The SQL is invalid.</exception>
    public virtual Task<QueryPlan> ExplainQueryAsync(string sql, CancellationToken cancellationToken = default) =>
        throw NotSupported(MirrorReaderCapabilities.QueryPlans, "query plans", "Run the query itself with QueryAsync, narrowed with a WHERE on an indexed column and a LIMIT");

    /// <summary>Finds records of a resource with a search index by the words they hold, best first, with a snippet each.</summary>
    /// <param name="resource">The resource to search.</param>
    /// <param name="text">The words to search for.</param>
    /// <param name="options">The mode, the number of hits and the limits, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The hits, best first.</returns>
    /// <exception cref="MirrorNotSupportedException">The store does not serve word search (<see cref="Capabilities"/> lacks <see cref="MirrorReaderCapabilities.Search"/>); the default.</exception>
    /// <exception cref="MirrorException">The resource has no search index.</exception>
    public virtual Task<SearchResult> SearchAsync(string resource, string text, SearchOptions? options = null, CancellationToken cancellationToken = default) =>
        throw NotSupported(MirrorReaderCapabilities.Search, "word search", "Find the records with QueryAsync and a WHERE on the field (LIKE or ILIKE '%word%')");

    /// <summary>Creates the exception a read this store lacks throws: the store, the read, and what to use instead.</summary>
    /// <param name="capability">The capability the read needs.</param>
    /// <param name="read">The read, in a few words.</param>
    /// <param name="instead">A sentence on what to do instead, without the final full stop.</param>
    /// <returns>The exception to throw.</returns>
    protected MirrorNotSupportedException NotSupported(MirrorReaderCapabilities capability, string read, string instead) =>
        new(capability, $"The {(Dialect == QueryDialect.PostgreSql ? "PostgreSQL" : "SQLite")} store's reader ({GetType().Name}) does not serve {read}: its MirrorReader.Capabilities are {Capabilities}, without {capability}. {instead}.");
}
