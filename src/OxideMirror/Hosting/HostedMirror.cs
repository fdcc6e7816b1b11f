namespace OxideMirror.Hosting;

/// <summary>
/// A mirror kept by a store other than the SQLite one, as <see cref="OxideMirrorOptions.UseStore"/>'s callback opens it for
/// a host: the reader the module and the agent tools read through, the writer the syncer writes through, and the object
/// that owns them, which the container disposes when it is disposed.
/// </summary>
/// <remarks>A store package makes it (OxideMirror.PostgreSql's <c>UsePostgreSql</c> does); an app rarely needs to.</remarks>
public sealed class HostedMirror
{
    /// <summary>Initializes a new instance of the <see cref="HostedMirror"/> class.</summary>
    /// <param name="reader">The store's reader side.</param>
    /// <param name="writer">The same store's writer side.</param>
    /// <param name="owner">What owns them (the store), disposed with the container.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="reader"/> or <paramref name="writer"/> is a SQLite store's: set <see cref="OxideMirrorOptions.StorePath"/> instead.</exception>
    public HostedMirror(MirrorReader reader, MirrorWriter writer, IAsyncDisposable owner)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(owner);
        if (reader.SqliteStore is not null || writer.SqliteStore is not null)
        {
            throw new ArgumentException("A SQLite store is hosted by OxideMirrorOptions.StorePath (a file) or by leaving it null (in memory), not through UseStore.", reader.SqliteStore is not null ? nameof(reader) : nameof(writer));
        }

        Reader = reader;
        Writer = writer;
        Owner = owner;
    }

    /// <summary>Gets the store's reader side.</summary>
    public MirrorReader Reader { get; }

    /// <summary>Gets the store's writer side.</summary>
    public MirrorWriter Writer { get; }

    /// <summary>Gets what owns the reader and the writer, disposed with the container.</summary>
    public IAsyncDisposable Owner { get; }
}
