namespace OxideMirror.Cli.Config;

/// <summary>The configuration could not be used; <see cref="Errors"/> lists every problem found, each naming its key.</summary>
internal sealed class ConfigException : Exception
{
    public ConfigException(string file, IReadOnlyList<ConfigError> errors)
        : base($"The configuration in '{file}' has {errors.Count} problem(s): {string.Join(" ", errors)}")
    {
        File = file;
        Errors = errors;
    }

    public ConfigException(string file, string key, string message)
        : this(file, [new ConfigError(key, message)])
    {
    }

    /// <summary>Gets the configuration file's full path.</summary>
    public string File { get; }

    /// <summary>Gets the problems, in the order of the keys they are at.</summary>
    public IReadOnlyList<ConfigError> Errors { get; }
}
