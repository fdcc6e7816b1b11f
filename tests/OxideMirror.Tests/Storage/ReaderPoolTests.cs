using Dapper;
using Microsoft.Data.Sqlite;

namespace OxideMirror.Tests.Storage;

/// <summary>
/// The store's reader pool lends a reader of the kind asked for (with the as-of views installed, or without), opens
/// another before it takes one of the other kind (which would have to drop or make the views), and never holds more
/// readers than its maximum.
/// </summary>
public sealed class ReaderPoolTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly QueryMemoryPool _memory = new(64L * 1024 * 1024);

    [Fact]
    public async Task Rent_WhenOnlyTheOtherKindIsIdle_OpensAnotherWhileBelowTheMaximum()
    {
        using var pool = await OpenAsync(maxReaders: 2);
        var asOf = await RentWithViewsAsync(pool);
        pool.Return(asOf);

        var live = await pool.RentAsync(asOf: false, CancellationToken.None);
        var asOfAgain = await pool.RentAsync(asOf: true, CancellationToken.None);

        live.Should().NotBeSameAs(asOf, "a reader without the views can still be opened");
        live.AsOf.Should().BeNull();
        asOfAgain.Should().BeSameAs(asOf, "the reader with the views was kept for as-of queries");
        pool.Return(live);
        pool.Return(asOfAgain);
    }

    [Fact]
    public async Task Rent_AtTheMaximum_TakesTheOtherKind()
    {
        using var pool = await OpenAsync(maxReaders: 1);
        var asOf = await RentWithViewsAsync(pool);
        pool.Return(asOf);

        var live = await pool.RentAsync(asOf: false, CancellationToken.None);

        live.Should().BeSameAs(asOf, "one reader is the most the pool may open");
        pool.Return(live);
    }

    [Fact]
    public async Task Rent_AfterAReaderWasRetired_OpensItsReplacement()
    {
        using var pool = await OpenAsync(maxReaders: 1);
        var first = await pool.RentAsync(asOf: false, CancellationToken.None);
        pool.Return(first, healthy: false);

        var second = await pool.RentAsync(asOf: true, CancellationToken.None);

        second.Should().NotBeSameAs(first);
        (await second.Connection.ExecuteScalarAsync<long>("SELECT count(*) FROM mirror_resources")).Should().Be(0);
        pool.Return(second);
    }

    public void Dispose()
    {
        _memory.Dispose();
        _directory.Dispose();
    }

    private async Task<ReaderPool> OpenAsync(int maxReaders)
    {
        var path = _directory.File();
        await (await MirrorStore.OpenAsync(path)).DisposeAsync();
        var connection = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        return new ReaderPool(connection, maxReaders, 8 * 1024 * 1024, _memory);
    }

    /// <summary>Rents a reader and installs the as-of views on it, as an as-of query does.</summary>
    private static async Task<ReaderPool.Reader> RentWithViewsAsync(ReaderPool pool)
    {
        var reader = await pool.RentAsync(asOf: true, CancellationToken.None);
        var views = AsOfViews.Build(reader.Connection, AsOfMode.Applied, reader.SchemaGeneration);
        reader.RunTrusted(views.Create);
        reader.AsOf = views;
        return reader;
    }
}
