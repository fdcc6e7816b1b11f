using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OxideMirror;

/// <summary>
/// Configures a <see cref="MirrorStore"/>. Checked once, when the store opens.
/// </summary>
public sealed class MirrorStoreOptions
{
    /// <summary>
    /// Gets or sets how long a write waits in all for a lock held by another process (or connection) before it fails with
    /// a <see cref="MirrorStorageException"/> whose <see cref="MirrorStorageException.Failure"/> is <see cref="MirrorStorageFailure.Busy"/>.
    /// </summary>
    /// <value>The default is 5 seconds; zero fails at once.</value>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long one agent query may run before it is interrupted with a <see cref="QueryTimeoutException"/>.</summary>
    /// <value>The default is 1 second. <see cref="QueryOptions.Timeout"/> overrides it per call.</value>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how many rows a query returns at most; past it the result is cut and marked <see cref="QueryResult.Truncated"/>.</summary>
    /// <value>The default is 1,000. <see cref="QueryOptions.MaxRows"/> overrides it per call.</value>
    public int MaxQueryRows { get; set; } = 1000;

    /// <summary>
    /// Gets or sets how many bytes a query's answer takes at most, counted as <see cref="QueryResult.ToJson"/> writes it
    /// (compact UTF-8: the envelope, column names in every row, quoting, escaping, separators and values as written); past
    /// it the result is cut and marked <see cref="QueryResult.Truncated"/>.
    /// </summary>
    /// <value>The default is 8 MiB. <see cref="QueryOptions.MaxBytes"/> overrides it per call.</value>
    public long MaxQueryBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// Gets or sets how much SQLite memory the store's agent queries may hold at once, together: every allocation a
    /// query makes (its sorts and their temporary files, grouped and de-duplicated rows, values it computes) and the
    /// as-of moments it rebuilds, for as long as they are cached. An allocation past it is refused and the query fails
    /// with a <see cref="QueryException"/>, so concurrent queries share this amount rather than each having it.
    /// </summary>
    /// <value>The default is 256 MiB; it must be at least 16 MiB. A query whose answer holds values near <see cref="MaxQueryBytes"/> needs a few times that.</value>
    public long QueryMemoryBudget { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Gets or sets the largest payload one upsert may store, in bytes of compact JSON (as the store writes it, whatever
    /// spacing the source sent). A larger one is refused with an <see cref="InvalidDeltaException"/> naming the record,
    /// and nothing of its batch is written; a conflict strategy whose merged payload is larger fails the same way, with
    /// an <see cref="InvalidOperationException"/>. Records already stored are not checked again.
    /// </summary>
    /// <value>
    /// The default is 4 MiB (4,194,304 bytes): half of <see cref="MaxQueryBytes"/>, so that a query can return any
    /// stored record whole; it must be between 1,024 bytes and 256 MiB. A record is held in memory whole, several times
    /// over, by every write and read of it.
    /// </value>
    public long MaxPayloadBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>Gets or sets how many read-only connections queries and reads may use at once; more callers wait.</summary>
    /// <value>The default is 4.</value>
    public int MaxReaders { get; set; } = 4;

    /// <summary>Gets or sets the clock that stamps applied changes and cursors.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the factory for the store's loggers. The store logs keys, counts and durations, never payloads.</summary>
    /// <value>The default is <see cref="NullLoggerFactory.Instance"/>.</value>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>Gets or sets your own forward-only schema changes, applied in version order after the store's own when it opens.</summary>
    /// <value>The default is empty. Versions must run 1, 2, 3, … without gaps; see <see cref="UserMigration"/>.</value>
    public IReadOnlyList<UserMigration> Migrations { get; set; } = [];

    /// <summary>
    /// Gets or sets the factory that creates the <c>OxideMirror</c> meter the store and its syncers record metrics on
    /// (see <see cref="OxideMirrorTelemetry"/>), or <see langword="null"/> for a meter of the process's own.
    /// </summary>
    /// <value>The default is <see langword="null"/>. <c>AddOxideMirror</c> sets it to the container's <see cref="IMeterFactory"/> when it has one.</value>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether an agent query's activity records its SQL (as <c>db.query.text</c>, cut to
    /// <see cref="RecordedQueryTextLength"/> characters) and a failed query's message. SQL an agent wrote may quote the
    /// data it asks about, so it stays out of traces unless you opt in.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool RecordQueryText { get; set; }

    /// <summary>Gets or sets how many characters of a query's SQL its activity records at most, when <see cref="RecordQueryText"/> is on.</summary>
    /// <value>The default is 2,048; it must be between 1 and 1,048,576.</value>
    public int RecordedQueryTextLength { get; set; } = 2048;

    internal void Validate()
    {
        if (RecordedQueryTextLength is < 1 or > 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(RecordedQueryTextLength), RecordedQueryTextLength, "MirrorStoreOptions.RecordedQueryTextLength must be between 1 and 1,048,576.");
        }

        if (BusyTimeout < TimeSpan.Zero || BusyTimeout > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout, "MirrorStoreOptions.BusyTimeout must be between zero and one day.");
        }

        if (QueryTimeout <= TimeSpan.Zero || QueryTimeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(QueryTimeout), QueryTimeout, "MirrorStoreOptions.QueryTimeout must be more than zero and at most one hour.");
        }

        if (MaxQueryRows < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxQueryRows), MaxQueryRows, "MirrorStoreOptions.MaxQueryRows must be at least 1.");
        }

        if (MaxQueryBytes < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxQueryBytes), MaxQueryBytes, "MirrorStoreOptions.MaxQueryBytes must be at least 1024.");
        }

        if (QueryMemoryBudget < 16L * 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(QueryMemoryBudget), QueryMemoryBudget, "MirrorStoreOptions.QueryMemoryBudget must be at least 16 MiB (16,777,216 bytes).");
        }

        if (MaxPayloadBytes is < 1024 or > 256L * 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPayloadBytes), MaxPayloadBytes, "MirrorStoreOptions.MaxPayloadBytes must be between 1,024 bytes and 256 MiB (268,435,456 bytes).");
        }

        if (MaxReaders is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxReaders), MaxReaders, "MirrorStoreOptions.MaxReaders must be between 1 and 64.");
        }

        ArgumentNullException.ThrowIfNull(Migrations, nameof(Migrations));
        if (UserMigrator.Problem(Migrations) is { } problem)
        {
            throw new ArgumentException(problem, nameof(Migrations));
        }

        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        ArgumentNullException.ThrowIfNull(LoggerFactory, nameof(LoggerFactory));
    }
}
