using System.Text.RegularExpressions;

namespace OxideMirror.PostgreSql;

/// <summary>Configures a <see cref="PostgresMirrorStore"/>; validated once, by <see cref="PostgresMirrorStore.OpenAsync"/>.</summary>
public sealed partial class PostgresMirrorStoreOptions
{
    /// <summary>Gets or sets the schema that holds the mirror: its <c>mirror_</c> tables and one table per resource.</summary>
    /// <value>The default is <c>oxidemirror</c>. Lower-case letters, digits and <c>_</c>, starting with a letter or <c>_</c>, at most 50 characters.</value>
    public string Schema { get; set; } = "oxidemirror";

    /// <summary>Gets or sets the login role agent queries run as (<see cref="PostgresMirrorStore.EnsureAgentRoleAsync"/> creates it).</summary>
    /// <value>The default is <see langword="null"/>: the schema's name followed by <c>_agent</c>.</value>
    public string? AgentRole { get; set; }

    /// <summary>Gets or sets the agent role's password, used to connect as it and set by <see cref="PostgresMirrorStore.EnsureAgentRoleAsync"/>.</summary>
    /// <value>The default is <see langword="null"/>: no password (the server's <c>pg_hba.conf</c> must then let the role in another way).</value>
    public string? AgentPassword { get; set; }

    /// <summary>Gets or sets the connection string agent queries use, when the agent role connects another way (a replica, a pooler).</summary>
    /// <value>The default is <see langword="null"/>: the store's connection string with <see cref="AgentRole"/> and <see cref="AgentPassword"/>.</value>
    public string? AgentConnectionString { get; set; }

    /// <summary>Gets or sets how long an agent query may run: the server's <c>statement_timeout</c>, and a client-side cancel shortly after.</summary>
    /// <value>The default is 5 seconds.</value>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how long <see cref="PostgresMirrorStore.WatchAsync"/> waits for a commit's notification before it
    /// reads the log anyway: the fallback for a notification lost with a dropped listening connection.
    /// </summary>
    /// <value>The default is 5 seconds; at least 10 milliseconds and at most one hour.</value>
    public TimeSpan WatchPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how many rows an agent query's result holds at most.</summary>
    /// <value>The default is 1,000.</value>
    public int MaxQueryRows { get; set; } = 1000;

    /// <summary>Gets or sets how many bytes an agent query's result takes at most, as <see cref="QueryResult.ToJson"/> writes it.</summary>
    /// <value>The default is 8 MiB.</value>
    public long MaxQueryBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Gets or sets the <c>work_mem</c> of an agent query, in KiB: the memory each sort or hash may use before spilling to disk.</summary>
    /// <value>The default is 4,096 KiB (4 MiB).</value>
    public int QueryWorkMemKb { get; set; } = 4096;

    /// <summary>Gets or sets the <c>temp_file_limit</c> of the agent role, in KiB: the temporary disk space one of its queries may use.</summary>
    /// <value>The default is 65,536 KiB (64 MiB). Set for the role by <see cref="PostgresMirrorStore.EnsureAgentRoleAsync"/> when run by a superuser.</value>
    public int QueryTempFileLimitKb { get; set; } = 64 * 1024;

    /// <summary>Gets or sets the largest payload, in bytes as compact JSON, the store accepts.</summary>
    /// <value>The default is 4 MiB, as <see cref="MirrorStoreOptions.MaxPayloadBytes"/>.</value>
    public long MaxPayloadBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>Gets or sets the clock applied times are read from.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets the agent role's name.</summary>
    internal string AgentRoleName => AgentRole ?? Schema + "_agent";

    /// <summary>Checks every option; throws for the first one out of range.</summary>
    internal void Validate()
    {
        if (Schema is null || !Identifier().IsMatch(Schema) || Schema.StartsWith("pg_", StringComparison.Ordinal))
        {
            throw new ArgumentException($"PostgresMirrorStoreOptions.Schema is '{Schema}', which is not a schema name the store can use. Use lower-case letters, digits and '_', starting with a letter or '_', at most 50 characters, not starting with 'pg_' (for example \"oxidemirror\").", nameof(Schema));
        }

        if (AgentRole is not null && (!Identifier().IsMatch(AgentRole) || AgentRole.StartsWith("pg_", StringComparison.Ordinal)))
        {
            throw new ArgumentException($"PostgresMirrorStoreOptions.AgentRole is '{AgentRole}', which is not a role name the store can use. Use lower-case letters, digits and '_', starting with a letter or '_', at most 50 characters, not starting with 'pg_'.", nameof(AgentRole));
        }

        if (QueryTimeout <= TimeSpan.Zero || QueryTimeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(QueryTimeout), QueryTimeout, "PostgresMirrorStoreOptions.QueryTimeout must be more than zero and at most one hour.");
        }

        if (WatchPollInterval < TimeSpan.FromMilliseconds(10) || WatchPollInterval > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(WatchPollInterval), WatchPollInterval, "PostgresMirrorStoreOptions.WatchPollInterval must be at least 10 milliseconds and at most one hour.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueryRows, 1, nameof(MaxQueryRows));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueryBytes, 1024, nameof(MaxQueryBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(QueryWorkMemKb, 64, nameof(QueryWorkMemKb));
        ArgumentOutOfRangeException.ThrowIfLessThan(QueryTempFileLimitKb, 0, nameof(QueryTempFileLimitKb));
        if (MaxPayloadBytes is < 1024 or > 256L * 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPayloadBytes), MaxPayloadBytes, "PostgresMirrorStoreOptions.MaxPayloadBytes must be between 1,024 bytes and 256 MiB (268,435,456 bytes).");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,49}$")]
    private static partial Regex Identifier();
}
