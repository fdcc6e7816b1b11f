using System.Globalization;

namespace OxideMirror;

/// <summary>
/// Says which events <see cref="MirrorStore.CompactAsync"/> keeps: those applied within <see cref="KeepFor"/> of now
/// (the store's <see cref="MirrorStoreOptions.TimeProvider"/>), those among each record's last
/// <see cref="KeepVersions"/> versions, or, when both are set, those that either rule keeps.
/// </summary>
/// <remarks>
/// An event neither rule keeps is removed; a record's removed applied events collapse into one <c>snapshot</c> event
/// holding the record's state at the newest of them, so the current state can still be rebuilt from the log. The
/// policy is an immutable value and may be shared between threads.
/// </remarks>
public sealed class RetentionPolicy
{
    /// <summary>Gets how long events are kept after they were applied, measured back from the store's clock.</summary>
    /// <value>The default is <see langword="null"/>: age alone keeps no event.</value>
    public TimeSpan? KeepFor { get; init; }

    /// <summary>Gets how many of each record's latest versions keep their events; 0 keeps only the snapshot of the current state.</summary>
    /// <value>The default is <see langword="null"/>: versions alone keep no event.</value>
    public int? KeepVersions { get; init; }

    /// <summary>Gets a value indicating whether compaction ends with a full <c>VACUUM</c> (and, for a file, a WAL checkpoint) that returns the freed space to the file system.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool ReclaimSpace { get; init; } = true;

    /// <summary>Creates a policy that keeps the events applied within the given time.</summary>
    /// <param name="keepFor">How long events are kept after they were applied.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="keepFor"/> is negative.</exception>
    public static RetentionPolicy ForAge(TimeSpan keepFor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepFor, TimeSpan.Zero);
        return new RetentionPolicy { KeepFor = keepFor };
    }

    /// <summary>Creates a policy that keeps the events of each record's latest versions.</summary>
    /// <param name="keepVersions">How many versions per record keep their events; 0 keeps only a snapshot of the current state.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="keepVersions"/> is negative.</exception>
    public static RetentionPolicy ForVersions(int keepVersions)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keepVersions);
        return new RetentionPolicy { KeepVersions = keepVersions };
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"keep for {(KeepFor is { } age ? age.ToString() : "-")}, keep versions {(KeepVersions is { } versions ? versions.ToString(CultureInfo.InvariantCulture) : "-")}, reclaim space {ReclaimSpace}");

    internal void Validate(string paramName)
    {
        if (KeepFor is null && KeepVersions is null)
        {
            throw new ArgumentException("The retention policy sets neither KeepFor nor KeepVersions, so it would keep nothing it can name. Set KeepFor (for example TimeSpan.FromDays(30)), KeepVersions (for example 10), or both.", paramName);
        }

        if (KeepFor is { } age && age < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(paramName, age, string.Create(CultureInfo.InvariantCulture, $"RetentionPolicy.KeepFor is {age}, which is negative. Use TimeSpan.Zero or more."));
        }

        if (KeepVersions is { } versions && versions < 0)
        {
            throw new ArgumentOutOfRangeException(paramName, versions, string.Create(CultureInfo.InvariantCulture, $"RetentionPolicy.KeepVersions is {versions}, which is negative. Use 0 (only a snapshot of the current state) or more."));
        }
    }
}
