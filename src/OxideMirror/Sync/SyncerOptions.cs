using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OxideMirror;

/// <summary>
/// Configures a <see cref="Syncer"/>. Checked once, when the syncer is created.
/// </summary>
public sealed class SyncerOptions
{
    /// <summary>Gets or sets how many deltas <see cref="Syncer.SyncStreamAsync"/> collects into one transaction at most.</summary>
    /// <value>The default is 1,000.</value>
    public int StreamBatchSize { get; set; } = 1000;

    /// <summary>Gets or sets how many pages one sync pulls at most before it stops (the rest follows on the next sync), or <see langword="null"/> for no limit.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public int? MaxPagesPerSync { get; set; }

    /// <summary>Gets or sets the clock that times syncs.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the factory for the syncer's loggers. The syncer logs source ids, counts and durations, never payloads.</summary>
    /// <value>The default is <see cref="NullLoggerFactory.Instance"/>.</value>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    internal void Validate()
    {
        if (StreamBatchSize is < 1 or > 1_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(StreamBatchSize), StreamBatchSize, "SyncerOptions.StreamBatchSize must be between 1 and 1,000,000.");
        }

        if (MaxPagesPerSync is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPagesPerSync), MaxPagesPerSync, "SyncerOptions.MaxPagesPerSync must be at least 1, or null for no limit.");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        ArgumentNullException.ThrowIfNull(LoggerFactory, nameof(LoggerFactory));
    }
}
