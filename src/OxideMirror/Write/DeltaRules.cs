using System.Text;

namespace OxideMirror;

/// <summary>
/// The store-independent rules of the write path, for a store other than <see cref="MirrorStore"/> (such as
/// OxideMirror.PostgreSql's), so that every store checks and decides alike: a delta's validation, its payload as the
/// compact JSON the stores hold (under the payload limit), the conflict strategy's call and the store's decision rules
/// (what a skip, a delete, an unchanged payload, an insert, an update and a merge do to a record and its version), the
/// text the log stores, and the names of resource tables and columns. The SQLite store's write path runs the same rules.
/// </summary>
/// <remarks>Not thread-safe: an instance reuses its buffers; use one per writer.</remarks>
public sealed class DeltaRules : IDisposable
{
    private readonly PayloadWriter _payloads;

    /// <summary>Initializes a new instance of the <see cref="DeltaRules"/> class.</summary>
    /// <param name="maxPayloadBytes">The largest payload, in bytes as compact JSON, a store accepts (as <see cref="MirrorStoreOptions.MaxPayloadBytes"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxPayloadBytes"/> is below 1,024 bytes or above 256 MiB.</exception>
    public DeltaRules(long maxPayloadBytes = 4L * 1024 * 1024)
    {
        if (maxPayloadBytes is < 1024 or > 256L * 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPayloadBytes), maxPayloadBytes, "The payload limit must be between 1,024 bytes and 256 MiB (268,435,456 bytes).");
        }

        _payloads = new PayloadWriter(maxPayloadBytes);
    }

    /// <summary>Checks that a strategy can decide for a store: it has a label, which the log stores with every decision.</summary>
    /// <param name="strategy">The conflict strategy.</param>
    /// <exception cref="ArgumentNullException"><paramref name="strategy"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="strategy"/> has a null label.</exception>
    public static void CheckStrategy(IConflictStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        if (strategy.Label is null)
        {
            throw new ArgumentException($"The conflict strategy of type {strategy.GetType().FullName} has a null Label. Return a short name such as \"last-write-wins\" from Label: it is stored with every change the strategy decides.", nameof(strategy));
        }
    }

    /// <summary>
    /// Checks a page before anything of it is written: the deltas list, the strategy, the cursor (which completed passes
    /// need), and every delta, each named by its position in the page unless it is applied on its own.
    /// </summary>
    /// <param name="deltas">The page's deltas.</param>
    /// <param name="strategy">The conflict strategy.</param>
    /// <param name="cursor">The cursor stored with the page, or <see langword="null"/>.</param>
    /// <param name="passes">The full passes the page completes, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="deltas"/>, one of its items, or <paramref name="strategy"/> is null.</exception>
    /// <exception cref="ArgumentException">The strategy has a null label, passes come without a cursor, or the cursor is invalid.</exception>
    /// <exception cref="InvalidDeltaException">A delta is invalid; the exception names the field and the delta's position.</exception>
    public static void CheckPage(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor, IReadOnlyList<CompletedPass>? passes)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        CheckStrategy(strategy);
        if (passes is { Count: > 0 } && cursor is null)
        {
            throw new ArgumentException("Completed passes need the cursor of the source whose records they cover.", nameof(cursor));
        }

        if (cursor is not null)
        {
            CheckCursor(cursor);
        }

        for (var i = 0; i < deltas.Count; i++)
        {
            var delta = deltas[i] ?? throw new ArgumentNullException(nameof(deltas), $"Delta {i} of the batch is null. Remove it or replace it with a delta.");
            delta.Validate(PositionOf(i, deltas.Count, cursor));
        }
    }

    /// <summary>Gets the position messages name a page's delta by: its index, or -1 for a delta applied on its own (one delta, no cursor).</summary>
    /// <param name="index">The delta's index in the page.</param>
    /// <param name="count">How many deltas the page holds.</param>
    /// <param name="cursor">The cursor stored with the page, or <see langword="null"/>.</param>
    /// <returns>The position to name, or -1.</returns>
    public static int PositionOf(int index, int count, CursorUpdate? cursor) => count == 1 && cursor is null ? -1 : index;

    /// <summary>Checks a cursor to store: a source and resource that name something, and text that reads back as it was given.</summary>
    /// <param name="cursor">The cursor.</param>
    /// <exception cref="ArgumentNullException"><paramref name="cursor"/> or its source or resource is null.</exception>
    /// <exception cref="ArgumentException">The source or resource is empty or white space, or a value has an unpaired surrogate.</exception>
    public static void CheckCursor(CursorUpdate cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        Ids.ThrowIfBlank(cursor.Source, "cursor.Source");
        Ids.ThrowIfBlank(cursor.Resource, "cursor.Resource");
        CheckUtf16(cursor.Source, "cursor.Source");
        CheckUtf16(cursor.Resource, "cursor.Resource");
        CheckUtf16(cursor.Cursor, "cursor.Cursor");
    }

    /// <summary>Checks every field of a delta.</summary>
    /// <param name="delta">The delta.</param>
    /// <param name="index">The delta's position in its batch, for the message; -1 when it is applied on its own.</param>
    /// <exception cref="ArgumentNullException"><paramref name="delta"/> is null.</exception>
    /// <exception cref="InvalidDeltaException">A field is invalid; the exception names it.</exception>
    public static void Validate(Delta delta, int index)
    {
        ArgumentNullException.ThrowIfNull(delta);
        delta.Validate(index);
    }

    /// <summary>
    /// Decides what a validated delta does to a record: asks the strategy, writes the payloads as compact JSON under the
    /// payload limit, and applies the store's decision rules.
    /// </summary>
    /// <param name="existing">The record as the store holds it (a tombstone when deleted), or <see langword="null"/> when never seen.</param>
    /// <param name="delta">The delta, already checked by <see cref="Validate"/>.</param>
    /// <param name="strategy">The conflict strategy, already checked by <see cref="CheckStrategy"/>.</param>
    /// <param name="index">The delta's position in its batch, for messages; -1 when it is applied on its own.</param>
    /// <returns>What the delta does, and what the store writes.</returns>
    /// <exception cref="InvalidDeltaException">The delta's payload cannot be stored or is larger than the payload limit.</exception>
    /// <exception cref="InvalidOperationException">The strategy returned null, or a merged payload the store cannot hold.</exception>
    public DeltaDecision Decide(MirroredRecord? existing, Delta delta, IConflictStrategy strategy, int index)
    {
        ArgumentNullException.ThrowIfNull(delta);
        ArgumentNullException.ThrowIfNull(strategy);
        var resolution = ApplyRules.Resolve(strategy, existing, delta);
        var incoming = delta.Op == DeltaOp.Upsert ? _payloads.Incoming(delta, index) : default;
        var isMerged = delta.Op == DeltaOp.Upsert && resolution.Kind == ConflictResolutionKind.ApplyMerged;
        var merged = isMerged ? _payloads.Merged(resolution.MergedPayload, strategy, delta) : default;
        var version = existing?.Version ?? 0;
        var beforePayload = existing is { IsDeleted: false } ? existing.RawUtf8 ?? Encoding.UTF8.GetBytes(existing.RawPayload ?? "{}") : null;
        var before = existing is null ? RecordState.None
            : existing.IsDeleted ? RecordState.Tombstone(version)
            : RecordState.Live(beforePayload, version);
        var outcome = ApplyRules.Decide(before, delta.Op, resolution.Kind, isMerged ? merged : incoming);
        var after = outcome.After;
        return new DeltaDecision(
            outcome.Decision,
            after.Version,
            delta.Op == DeltaOp.Upsert ? Encoding.UTF8.GetString(incoming) : null,
            isMerged ? Encoding.UTF8.GetString(merged) : null,
            after.IsLive ? Encoding.UTF8.GetString(after.Payload) : null,
            outcome.Applied && after.IsLive ? (isMerged ? resolution.MergedPayload : delta.Payload) : default);
    }

    /// <summary>Gets the text the event log stores for a delta's op (<c>upsert</c>, <c>delete</c>).</summary>
    /// <param name="op">The op.</param>
    /// <returns>The stored text.</returns>
    public static string OpText(DeltaOp op) => LogVocabulary.Text(op);

    /// <summary>Gets the text the event log stores for a decision (<c>insert</c>, <c>update</c>, <c>merge</c>, <c>delete</c>, <c>skip</c>, <c>unchanged</c>, …).</summary>
    /// <param name="decision">The decision.</param>
    /// <returns>The stored text.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="decision"/> is not an <see cref="ApplyDecision"/>.</exception>
    public static string DecisionText(ApplyDecision decision) => LogVocabulary.Text(decision);

    /// <summary>Reads an op the event log stores (<see cref="OpText"/>, or <c>snapshot</c> for compaction's snapshots) back.</summary>
    /// <param name="text">The stored text.</param>
    /// <returns>The op.</returns>
    /// <exception cref="MirrorException"><paramref name="text"/> is not one this version writes (the log was written by a newer one).</exception>
    public static ChangeOp OpOf(string text) => LogVocabulary.Op(text);

    /// <summary>Reads a decision the event log stores (<see cref="DecisionText"/>) back.</summary>
    /// <param name="text">The stored text.</param>
    /// <returns>The decision.</returns>
    /// <exception cref="MirrorException"><paramref name="text"/> is not one this version writes (the log was written by a newer one).</exception>
    public static ApplyDecision DecisionOf(string text) => LogVocabulary.Decision(text);

    /// <summary>
    /// Maps a resource name to the table name agents query it by, by the rule docs/querying.md states, avoiding
    /// <paramref name="taken"/> and the SQL dialect's own <paramref name="reservedWords"/> on top of the SQLite store's.
    /// </summary>
    /// <param name="resource">The resource.</param>
    /// <param name="taken">The names already taken (compared case-insensitively).</param>
    /// <param name="reservedWords">More words that cannot be a table name unquoted, or <see langword="null"/>.</param>
    /// <returns>The table name: lower case, letters, digits and underscores, at most 60 characters.</returns>
    public static string TableName(string resource, ICollection<string> taken, IReadOnlySet<string>? reservedWords = null)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(taken);
        return Identifiers.ForTable(resource, taken, reservedWords);
    }

    /// <summary>Maps a payload key to its column name in a resource table, by the same rule as <see cref="TableName"/>.</summary>
    /// <param name="key">The payload key.</param>
    /// <param name="taken">The table's column names already taken (compared case-insensitively).</param>
    /// <param name="reservedWords">More words that cannot be a column name unquoted, or <see langword="null"/>.</param>
    /// <returns>The column name.</returns>
    public static string ColumnName(string key, ICollection<string> taken, IReadOnlySet<string>? reservedWords = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(taken);
        return Identifiers.ForColumn(key, taken, reservedWords);
    }

    /// <inheritdoc />
    public void Dispose() => _payloads.Dispose();

    private static void CheckUtf16(string? value, string parameter)
    {
        var position = Utf16Text.FindUnpairedSurrogate(value);
        if (position >= 0)
        {
            throw new ArgumentException($"The {parameter} {Utf16Text.Describe(value!, position)}, so a later read would not return it as it was given. Replace the unpaired surrogate, or encode the value (for example as Base64).", parameter);
        }
    }
}
