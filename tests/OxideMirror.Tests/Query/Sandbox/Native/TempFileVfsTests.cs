using Microsoft.Data.Sqlite;

namespace OxideMirror.Tests.Query.Sandbox.Native;

/// <summary>
/// Query connections sort through temporary files, which <see cref="TempFileVfs"/> keeps in memory charged to the
/// query's pool: a sort runs in short steps (see <c>QueryBoundsProcessTests</c>) and still writes no file. The file
/// check watches the temp folders through inotify, which also sees a file SQLite creates and unlinks at once.
/// </summary>
[Collection(MemoryHeavyQueries.Name)]
public sealed class TempFileVfsTests
{
    private const string BigSort = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT x, printf('%.*c', 100, 'y') FROM c ORDER BY random()";

    [Fact]
    public async Task QueryAsync_SortLargerThanTheCache_WritesNoTemporaryFile()
    {
        using var directory = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(directory.File(), new MirrorStoreOptions { QueryTimeout = TimeSpan.FromSeconds(20) });
        using var watch = new SqliteTempFileWatch();

        var result = await store.QueryAsync(BigSort);
        var typed = await store.QueryAsync<long>("SELECT x FROM (" + BigSort + ") LIMIT 3");

        result.Truncated.Should().BeTrue("the sort ran to its end and its first 1,000 rows came back");
        typed.Rows.Should().HaveCount(3);
        (await watch.CreatedAsync()).Should().BeEmpty("a query's temporary files live in memory");
    }

    [Fact]
    public async Task TheWatch_SeesTheTemporaryFilesOfAPlainConnection()
    {
        // The control: the same sort on an ordinary connection with temporary files creates them where the watch looks.
        using var directory = new TempDirectory();
        using var connection = new SqliteConnection("Data Source=" + directory.File());
        connection.Open();
        using var watch = new SqliteTempFileWatch();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA temp_store = FILE; PRAGMA cache_size = -100; " + "SELECT count(*) FROM (" + BigSort + ")";
            command.ExecuteScalar();
        }

        (await watch.CreatedAsync()).Should().NotBeEmpty();
    }

    [Fact]
    public async Task QueryAsync_TemporaryFilesPastTheBudget_AreRefusedAsMemory()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { QueryMemoryBudget = 16L * 1024 * 1024, QueryTimeout = TimeSpan.FromSeconds(20) });

        var sorting = () => store.QueryAsync("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400000) SELECT x, printf('%.*c', 200, 'z') FROM c ORDER BY random()");

        var thrown = await sorting.Should().ThrowAsync<QueryException>();
        thrown.Which.Should().NotBeOfType<QueryTimeoutException>();
        thrown.Which.Message.Should().Contain("more memory than the 16 MiB the store's agent queries may hold together");
        (await store.QueryAsync("SELECT 1 AS one")).Rows.Should().ContainSingle("the store stays usable");
    }

    /// <summary>Records SQLite temp files (named etilqs_…) created in the folders SQLite's unix VFS would use.</summary>
    private sealed class SqliteTempFileWatch : IDisposable
    {
        private readonly List<FileSystemWatcher> _watchers = [];
        private readonly List<string> _created = [];

        public SqliteTempFileWatch()
        {
            foreach (var folder in new[] { Path.GetTempPath(), "/var/tmp", "/tmp" }.Distinct().Where(Directory.Exists))
            {
                var watcher = new FileSystemWatcher(folder, "etilqs_*") { NotifyFilter = NotifyFilters.FileName, EnableRaisingEvents = true };
                watcher.Created += (_, e) =>
                {
                    lock (_created)
                    {
                        _created.Add(e.FullPath);
                    }
                };
                _watchers.Add(watcher);
            }
        }

        public async Task<IReadOnlyList<string>> CreatedAsync()
        {
            await Task.Delay(500); // inotify events arrive on the watcher's own thread.
            lock (_created)
            {
                return [.. _created];
            }
        }

        public void Dispose()
        {
            foreach (var watcher in _watchers)
            {
                watcher.Dispose();
            }
        }
    }
}
