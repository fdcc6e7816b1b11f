namespace OxideMirror;

/// <summary>A record's state as the apply rules see it: none, a live record with its compact payload, or a tombstone; and its version.</summary>
internal readonly ref struct RecordState
{
    private RecordState(bool exists, bool isDeleted, ReadOnlySpan<byte> payload, long version)
    {
        Exists = exists;
        IsDeleted = isDeleted;
        Payload = payload;
        Version = version;
    }

    /// <summary>Gets the state of a record never seen (version 0).</summary>
    public static RecordState None => default;

    /// <summary>Gets a value indicating whether the record exists, live or as a tombstone.</summary>
    public bool Exists { get; }

    /// <summary>Gets a value indicating whether the record is a tombstone.</summary>
    public bool IsDeleted { get; }

    /// <summary>Gets a value indicating whether the record exists and is not deleted.</summary>
    public bool IsLive => Exists && !IsDeleted;

    /// <summary>Gets a live record's payload as compact UTF-8; empty otherwise.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>Gets the record's version (0 for a record never seen).</summary>
    public long Version { get; }

    public static RecordState Live(ReadOnlySpan<byte> payload, long version) => new(true, false, payload, version);

    public static RecordState Tombstone(long version) => new(true, true, default, version);
}
