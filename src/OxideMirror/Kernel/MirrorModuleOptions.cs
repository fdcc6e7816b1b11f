using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OxideMirror;

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
}
