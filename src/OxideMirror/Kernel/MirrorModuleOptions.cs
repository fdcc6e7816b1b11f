using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OxideMirror.Kernel;

/// <summary>Configures a <see cref="MirrorModule"/>.</summary>
public sealed class MirrorModuleOptions
{
    /// <summary>Gets or sets the id commands address the module by.</summary>
    /// <value>The default is <c>mirror</c>.</value>
    public string ModuleId { get; set; } = "mirror";

    /// <summary>Gets or sets how many commands the module handles at once; further commands wait in the subscription.</summary>
    /// <value>The default is 16. It must be from 1 to 1,024.</value>
    public int MaxConcurrentCommands { get; set; } = 16;

    /// <summary>Gets or sets the largest page a <c>list_records</c> command may ask for.</summary>
    /// <value>The default is 1,000. It must be from 1 to 100,000.</value>
    public int MaxListPageSize { get; set; } = 1000;

    /// <summary>
    /// Gets or sets how long one command may run before the module cancels it and answers <c>command_timeout</c>. A
    /// cancelled sync keeps the pages it had committed, and the next one resumes from the stored cursor; a query also has
    /// its own, shorter time limit.
    /// </summary>
    /// <value>The default is 10 minutes. It must be positive and at most 24 days, or <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</value>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Gets or sets the most rows a <c>query</c> command may ask for in <c>max_rows</c>, and what a command that sends no
    /// <c>max_rows</c> gets. A command asking for more is refused with <c>bad_request</c>, naming this ceiling.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: the store's <see cref="MirrorReader.MaxQueryRows"/> (for a SQLite store <see cref="MirrorStoreOptions.MaxQueryRows"/>, 1,000 by default).
    /// It must be from 1 to that; a bus caller never gets more than the store allows.
    /// </value>
    public int? MaxQueryRows { get; set; }

    /// <summary>
    /// Gets or sets the largest answer, in bytes of its JSON, a <c>query</c> command may ask for in <c>max_bytes</c>, and
    /// what a command that sends no <c>max_bytes</c> gets. A command asking for more is refused with <c>bad_request</c>,
    /// naming this ceiling.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: the store's <see cref="MirrorReader.MaxQueryBytes"/> (for a SQLite store <see cref="MirrorStoreOptions.MaxQueryBytes"/>, 8 MiB by default).
    /// It must be from 1,024 to that.
    /// </value>
    public long? MaxQueryBytes { get; set; }

    /// <summary>
    /// Gets or sets the longest time limit a <c>query</c> command may ask for in <c>timeout_ms</c>, and what a command
    /// that sends no <c>timeout_ms</c> gets. A command asking for more is refused with <c>bad_request</c>, naming this
    /// ceiling.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: the store's <see cref="MirrorReader.QueryTimeout"/> (for a SQLite store <see cref="MirrorStoreOptions.QueryTimeout"/>, 1 second by
    /// default). It must be at least 1 ms and at most that.
    /// </value>
    public TimeSpan? MaxQueryTimeout { get; set; }

    /// <summary>Gets or sets the logger factory the module logs through (method names, correlation ids, error codes and durations; never payloads).</summary>
    /// <value>The default is <see cref="NullLoggerFactory.Instance"/>.</value>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModuleId))
        {
            throw new ArgumentException("MirrorModuleOptions.ModuleId is empty. Give the module the id commands address it by, for example \"mirror\".", nameof(ModuleId));
        }

        if (MaxConcurrentCommands is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentCommands), MaxConcurrentCommands, "MirrorModuleOptions.MaxConcurrentCommands must be from 1 to 1,024.");
        }

        if (MaxListPageSize is < 1 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxListPageSize), MaxListPageSize, "MirrorModuleOptions.MaxListPageSize must be from 1 to 100,000.");
        }

        if (CommandTimeout != Timeout.InfiniteTimeSpan && (CommandTimeout <= TimeSpan.Zero || CommandTimeout > TimeSpan.FromDays(24)))
        {
            throw new ArgumentOutOfRangeException(nameof(CommandTimeout), CommandTimeout, "MirrorModuleOptions.CommandTimeout must be positive and at most 24 days, or Timeout.InfiniteTimeSpan for no limit.");
        }

        ArgumentNullException.ThrowIfNull(LoggerFactory, nameof(LoggerFactory));
    }

    /// <summary>Returns the query ceilings of <paramref name="options"/> for a module over <paramref name="store"/>, refusing any above the store's own limits.</summary>
    internal static QueryCeilings Ceilings(MirrorModuleOptions options, MirrorReader store)
    {
        var (maxRows, maxBytes, maxTimeout) = (options.MaxQueryRows, options.MaxQueryBytes, options.MaxQueryTimeout);
        if (maxRows is { } rows && (rows < 1 || rows > store.MaxQueryRows))
        {
            throw new ArgumentOutOfRangeException(nameof(options), rows, string.Create(CultureInfo.InvariantCulture, $"MirrorModuleOptions.MaxQueryRows is {rows:N0}; it must be from 1 to the store's MaxQueryRows option ({store.MaxQueryRows:N0}), since a bus caller may never get more than the store allows. Lower it, or raise the store's limit."));
        }

        if (maxBytes is { } bytes && (bytes < 1024 || bytes > store.MaxQueryBytes))
        {
            throw new ArgumentOutOfRangeException(nameof(options), bytes, string.Create(CultureInfo.InvariantCulture, $"MirrorModuleOptions.MaxQueryBytes is {bytes:N0}; it must be from 1,024 to the store's MaxQueryBytes option ({store.MaxQueryBytes:N0}), since a bus caller may never get more than the store allows. Lower it, or raise the store's limit."));
        }

        if (maxTimeout is { } timeout && (timeout < TimeSpan.FromMilliseconds(1) || timeout > store.QueryTimeout))
        {
            throw new ArgumentOutOfRangeException(nameof(options), timeout, string.Create(CultureInfo.InvariantCulture, $"MirrorModuleOptions.MaxQueryTimeout is {timeout.TotalMilliseconds:0.###} ms; it must be from 1 ms to the store's QueryTimeout option ({store.QueryTimeout.TotalMilliseconds:0.###} ms), since a bus caller may never get more than the store allows. Lower it, or raise the store's limit."));
        }

        return new QueryCeilings(
            maxRows ?? store.MaxQueryRows,
            maxBytes ?? store.MaxQueryBytes,
            Math.Max(1, (long)Math.Floor((maxTimeout ?? store.QueryTimeout).TotalMilliseconds)));
    }
}
