using OxideMirror.CrashHost;
using OxideMirror.Tests.Sync;
using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Storage;

/// <summary>
/// A file the store cannot write, a disk that fills up, and another process holding the lock: each public entry point
/// throws <see cref="MirrorStorageException"/> naming the file and the fix (never a raw SQLite exception), and the store
/// keeps what it committed and works again once the cause is gone. The disk and read-only mounts are real tmpfs mounts.
/// </summary>
public sealed class StorageFailureTests
{
    private const string SourceId = "generated";
    private const int Seed = 20240612;

    [Fact]
    public async Task OpenAsync_FileThisProcessCannotWrite_ThrowsReadOnlyNamingTheFileAndTheFix()
    {
        using var dir = new TempDirectory();
        await using (var store = await MirrorStore.OpenAsync(dir.File()))
        {
            await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        }

        var before = FileHashes.Of(dir.Path);
        using (WriteProtection.Protect(dir.File()))
        {
            var act = () => MirrorStore.OpenAsync(dir.File());

            var thrown = (await act.Should().ThrowExactlyAsync<MirrorStorageException>()).Which;
            thrown.Failure.Should().Be(MirrorStorageFailure.ReadOnly);
            thrown.Path.Should().Be(dir.File());
            thrown.Message.Should().Contain(dir.File()).And.Contain("cannot be written by this process").And.Contain("chattr -i").And.Contain("copy the mirror to a writable path");
            FileHashes.Of(dir.Path).Should().Equal(before);
        }

        await using var reopened = await MirrorStore.OpenAsync(dir.File());
        await reopened.ApplyAsync(Customer("c2", "Grace"), LastWriteWins.Instance);
        (await reopened.RecordCountsAsync())["customers"].Should().Be(2);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    public async Task OpenAsync_PathIsADirectory_ThrowsSayingItIsADirectoryAndToPassAFilePath(string tail)
    {
        // Before, SQLite's "unable to open database file" came with the advice to check that the folder exists.
        using var dir = new TempDirectory();
        var path = dir.Path + tail;
        var before = FileHashes.Of(dir.Path);

        var act = () => MirrorStore.OpenAsync(path);

        var thrown = (await act.Should().ThrowExactlyAsync<MirrorStorageException>()).Which;
        thrown.Failure.Should().Be(MirrorStorageFailure.Other);
        thrown.Path.Should().Be(Path.GetFullPath(path));
        thrown.Message.Should().Contain($"The path {Path.GetFullPath(path)} is a directory, not a file").And.Contain("Pass the path of a file, for example")
            .And.Contain("mirror.db").And.NotContain("Check that the folder exists");
        FileHashes.Of(dir.Path).Should().Equal(before);
    }

    [TmpfsFact]
    public async Task OpenAsync_FileOnReadOnlyMount_ThrowsReadOnly()
    {
        using var disk = Tmpfs.Mount(8 << 20);
        await using (var store = await MirrorStore.OpenAsync(disk.File()))
        {
            await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        }

        disk.RemountReadOnly();

        var act = () => MirrorStore.OpenAsync(disk.File());

        var thrown = (await act.Should().ThrowExactlyAsync<MirrorStorageException>()).Which;
        thrown.Failure.Should().Be(MirrorStorageFailure.ReadOnly);
        thrown.Message.Should().Contain(disk.File()).And.Contain("mounted read-only");
        disk.RemountReadWrite();
        await using var reopened = await MirrorStore.OpenAsync(disk.File());
        (await reopened.GetRecordAsync("customers", "c1")).Should().NotBeNull();
    }

    [TmpfsFact]
    public async Task SyncAsync_DiskFillsUp_ThrowsDiskFullKeepsTheCommittedPagesAndResumesOnceThereIsSpace()
    {
        var source = new GeneratedSource(Seed, pages: 30, pageSize: 200);
        var reference = await ReferenceAsync(source);
        using var disk = Tmpfs.Mount(2 << 20);
        await using var store = await MirrorStore.OpenAsync(disk.File());
        var syncer = new Syncer(store, MergeJson.Instance);

        var act = () => syncer.SyncAsync(new GeneratedSource(Seed, source.Pages, source.PageSize));

        var thrown = (await act.Should().ThrowExactlyAsync<MirrorStorageException>()).Which;
        thrown.Failure.Should().Be(MirrorStorageFailure.DiskFull);
        thrown.Path.Should().Be(disk.File());
        thrown.Message.Should().Contain(disk.File()).And.Contain("is full").And.Contain("rolled back").And.Contain("Free space there");

        // Still full: the store reads, and holds whole committed pages only.
        var stored = await MirrorSnapshot.ReadAsync(store, SourceId);
        stored.CommittedPages.Should().BeInRange(1, source.Pages - 1, "the disk fills part of the way through the sync");
        stored.Events.Count.Should().Be(stored.CommittedPages * source.PageSize, "a page's events commit with its cursor, all or nothing");
        MirrorSnapshot.FirstDifference(stored.Events, reference.Events.Take(stored.Events.Count).ToList()).Should().BeNull();
        MirrorSnapshot.FirstDifference(stored.Records, stored.Replay()).Should().BeNull("the records must equal a replay of the committed events");

        disk.Resize(64 << 20);
        var report = await syncer.SyncAsync(new GeneratedSource(Seed, source.Pages, source.PageSize));

        report.StartCursor.Should().Be(stored.Cursor, "the sync resumes from the last committed page");
        var resumed = await MirrorSnapshot.ReadAsync(store, SourceId);
        resumed.Cursor.Should().Be(reference.Cursor);
        MirrorSnapshot.FirstDifference(resumed.Events, reference.Events).Should().BeNull("the resumed log must equal an uninterrupted run's");
        MirrorSnapshot.FirstDifference(resumed.Records, reference.Records).Should().BeNull("the resumed records must equal an uninterrupted run's");
    }

    [TmpfsFact]
    public async Task CreateIndexAsync_DiskFull_ThrowsDiskFullCreatesNoIndexAndWorksOnceThereIsSpace()
    {
        using var disk = Tmpfs.Mount(32 << 20);
        await using var store = await MirrorStore.OpenAsync(disk.File());
        var before = await SyncThenFillAsync(store, disk);

        var act = () => store.CreateIndexAsync("customers", "name");

        var thrown = (await act.Should().ThrowExactlyAsync<MirrorStorageException>()).Which;
        thrown.Failure.Should().Be(MirrorStorageFailure.DiskFull);
        thrown.Message.Should().Contain(disk.File()).And.Contain("creating the index on customers.name");
        (await IndexesAsync(store)).Should().BeEmpty("the index creation rolled back");

        File.Delete(disk.File("filler"));
        var name = await store.CreateIndexAsync("customers", "name");

        (await IndexesAsync(store)).Should().Equal(name);
        var after = await MirrorSnapshot.ReadAsync(store, SourceId);
        MirrorSnapshot.FirstDifference(after.Records, before.Records).Should().BeNull("an index changes no record");
        await store.ApplyAsync(Delta.Upsert("customers", "new", new { name = "Noether" }, "crm"), LastWriteWins.Instance);
        (await store.QueryAsync("SELECT record_id FROM customers WHERE name = 'Noether'")).Rows.Should().ContainSingle();
    }

    [TmpfsFact]
    public async Task CompactAsync_DiskFull_ThrowsDiskFullKeepsTheRecordsAndCompactsOnceThereIsSpace()
    {
        using var disk = Tmpfs.Mount(32 << 20);
        await using var store = await MirrorStore.OpenAsync(disk.File());
        var before = await SyncThenFillAsync(store, disk);

        var act = () => store.CompactAsync(new RetentionPolicy { KeepVersions = 1 });

        var thrown = (await act.Should().ThrowExactlyAsync<MirrorStorageException>()).Which;
        thrown.Failure.Should().Be(MirrorStorageFailure.DiskFull);
        thrown.Message.Should().Contain(disk.File()).And.Contain("compacting the log");
        var failed = await MirrorSnapshot.ReadAsync(store, SourceId);
        MirrorSnapshot.FirstDifference(failed.Records, before.Records).Should().BeNull("a failed compaction changes no record");
        MirrorSnapshot.FirstDifference(failed.Records, failed.Replay()).Should().BeNull("the log must still rebuild the records");

        File.Delete(disk.File("filler"));
        var report = await store.CompactAsync(new RetentionPolicy { KeepVersions = 1 });

        report.EventsRemoved.Should().BePositive();
        var after = await MirrorSnapshot.ReadAsync(store, SourceId);
        MirrorSnapshot.FirstDifference(after.Records, before.Records).Should().BeNull("compaction changes no record");
        (await store.RebuildRecordsAsync()).RecordsRebuilt.Should().Be(before.Records.Count);
        MirrorSnapshot.FirstDifference((await MirrorSnapshot.ReadAsync(store, SourceId)).Records, before.Records).Should().BeNull("the compacted log rebuilds the same records");
    }

    [TmpfsFact]
    public async Task RebuildRecordsAsync_DiskFull_ThrowsDiskFullKeepsTheRecordsAndRebuildsOnceThereIsSpace()
    {
        using var disk = Tmpfs.Mount(32 << 20);
        await using var store = await MirrorStore.OpenAsync(disk.File());
        var before = await SyncThenFillAsync(store, disk);

        // The rebuild's one transaction rewrites every table into the -wal file, which has no room to grow.
        var act = () => store.RebuildRecordsAsync();

        var thrown = (await act.Should().ThrowExactlyAsync<MirrorStorageException>()).Which;
        thrown.Failure.Should().Be(MirrorStorageFailure.DiskFull);
        thrown.Message.Should().Contain(disk.File()).And.Contain("rebuilding the records from the log").And.Contain("TMPDIR");
        var failed = await MirrorSnapshot.ReadAsync(store, SourceId);
        MirrorSnapshot.FirstDifference(failed.Records, before.Records).Should().BeNull("a failed rebuild changes no record");
        failed.Events.Should().HaveCount(before.Events.Count);

        File.Delete(disk.File("filler"));
        var report = await store.RebuildRecordsAsync();

        report.RecordsRebuilt.Should().Be(before.Records.Count);
        MirrorSnapshot.FirstDifference((await MirrorSnapshot.ReadAsync(store, SourceId)).Records, before.Records).Should().BeNull("the rebuild gives the same records");
    }

    [Fact]
    public async Task WriteOperations_BehindAnotherProcessesLongWrite_ThrowBusyAfterBusyTimeoutAndWorkOnceItEnds()
    {
        using var dir = new TempDirectory();
        await using (var setup = await MirrorStore.OpenAsync(dir.File()))
        {
            await setup.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        }

        await using var store = await MirrorStore.OpenAsync(dir.File(), new MirrorStoreOptions { BusyTimeout = TimeSpan.FromMilliseconds(500) });
        var syncer = new Syncer(store, LastWriteWins.Instance);
        var crm = StaticSource.FromDeltas("crm", [Customer("c2", "Grace")]);
        using var holder = StoreHostProcess.Start("hold", dir.File(), "20000");
        (await holder.WaitForLineAsync("holding")).Should().Be("holding", holder.Describe());

        var operations = new (string Name, Func<Task> Run)[]
        {
            ("SyncAsync", () => syncer.SyncAsync(crm)),
            ("ApplyAsync", () => store.ApplyAsync(Customer("c3", "Linus"), LastWriteWins.Instance)),
            ("SetCursorAsync", () => store.SetCursorAsync("crm", "page-9")),
            ("CreateIndexAsync", () => store.CreateIndexAsync("customers", "name")),
            ("CompactAsync", () => store.CompactAsync(new RetentionPolicy { KeepVersions = 1 })),
            ("RebuildRecordsAsync", () => store.RebuildRecordsAsync()),
        };
        foreach (var (name, run) in operations)
        {
            var thrown = (await run.Should().ThrowExactlyAsync<MirrorStorageException>(name)).Which;
            thrown.Failure.Should().Be(MirrorStorageFailure.Busy, name);
            thrown.Message.Should().Contain(dir.File()).And.Contain("longer than MirrorStoreOptions.BusyTimeout (0.5 s)").And.Contain("raise MirrorStoreOptions.BusyTimeout", name);
        }

        // Every operation gave up while the other process still held the lock, so none waited the 20 s it holds it for
        // (before, each waited about 30 s: Microsoft.Data.Sqlite's own retries on top of the busy timeout).
        holder.Lines.Should().NotContain("released", holder.Describe());
        holder.HasExited.Should().BeFalse(holder.Describe());
        await holder.SendAsync("release");
        (await holder.WaitForExitAsync()).Should().Be(0, holder.Describe());

        var report = await syncer.SyncAsync(crm);
        report.Succeeded.Should().BeTrue();
        await store.ApplyAsync(Customer("c3", "Linus"), LastWriteWins.Instance);
        (await store.CreateIndexAsync("customers", "name")).Should().NotBeNullOrEmpty();
        (await store.RecordCountsAsync())["customers"].Should().Be(4, "c1, the holder's record, and c2 and c3 written after it let go");
        (await store.GetCursorAsync("crm")).Should().NotBeNull();
    }

    /// <summary>Syncs ten pages into the store, reads what it holds, then fills its disk.</summary>
    private static async Task<MirrorSnapshot> SyncThenFillAsync(MirrorStore store, Tmpfs disk)
    {
        await new Syncer(store, MergeJson.Instance).SyncAsync(new GeneratedSource(Seed, pages: 10, pageSize: 200));
        var before = await MirrorSnapshot.ReadAsync(store, SourceId);
        disk.Fill();
        return before;
    }

    private static async Task<IReadOnlyList<string>> IndexesAsync(MirrorStore store) =>
        (await store.QueryAsync("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'customers' AND sql IS NOT NULL ORDER BY name"))
            .Rows.Select(r => (string)r["name"]!).ToList();

    private static async Task<MirrorSnapshot> ReferenceAsync(GeneratedSource source)
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File("reference.db"));
        await new Syncer(store, MergeJson.Instance).SyncAsync(new GeneratedSource(source.Seed, source.Pages, source.PageSize));
        return await MirrorSnapshot.ReadAsync(store, SourceId);
    }
}
