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

        ArgumentNullException.ThrowIfNull(LoggerFactory, nameof(LoggerFactory));
    }
}
