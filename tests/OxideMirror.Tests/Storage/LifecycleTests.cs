using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Storage;

/// <summary>Opening options, disposal and cancellation of writes.</summary>
public sealed class LifecycleTests
{
    public static TheoryData<string> Operations =>
    [
        "ApplyAsync", "ApplyBatchAsync", "SetCursorAsync", "GetCursorAsync", "GetRecordAsync", "GetTombstoneAsync",
        "ListRecordsAsync", "ListResourcesAsync", "RecordCountsAsync", "EventCountAsync", "QueryAsync",
    ];

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Operation_AfterDisposeAsync_ThrowsObjectDisposed(string operation)
    {
        using var dir = new TempDirectory();
        var store = await MirrorStore.OpenAsync(dir.File());
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        await store.DisposeAsync();

        await FluentActions.Awaiting(() => Run(store, operation)).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task Operation_AfterDisposeOfInMemoryStore_ThrowsObjectDisposed()
    {
        var store = await MirrorStore.OpenInMemoryAsync();
        await store.DisposeAsync();

        await FluentActions.Awaiting(() => store.QueryAsync("SELECT 1")).Should().ThrowAsync<ObjectDisposedException>();
        await FluentActions.Awaiting(() => store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance)).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task DisposeAsync_Twice_DoesNotThrowAndKeepsData()
    {
        using var dir = new TempDirectory();
        var store = await MirrorStore.OpenAsync(dir.File());
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        await store.QueryAsync("SELECT 1");

        await store.DisposeAsync();
        await FluentActions.Awaiting(() => store.DisposeAsync().AsTask()).Should().NotThrowAsync();

        await using var reopened = await MirrorStore.OpenAsync(dir.File());
        (await reopened.GetRecordAsync("customers", "c1")).Should().NotBeNull();
    }

    [Fact]
    public async Task DisposeAsync_InMemoryStore_DiscardsData()
    {
        var first = await MirrorStore.OpenInMemoryAsync();
        await first.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        await first.DisposeAsync();

        await using var second = await MirrorStore.OpenInMemoryAsync();
        (await second.EventCountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task OpenInMemoryAsync_TwoStores_AreIsolated()
    {
        await using var first = await MirrorStore.OpenInMemoryAsync();
        await using var second = await MirrorStore.OpenInMemoryAsync();

        await first.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);

        (await second.EventCountAsync()).Should().Be(0);
        (await first.EventCountAsync()).Should().Be(1);
        first.Path.Should().BeNull();
    }

    [Theory]
    [InlineData("BusyTimeout negative", "BusyTimeout")]
    [InlineData("BusyTimeout above one day", "BusyTimeout")]
    [InlineData("QueryTimeout zero", "QueryTimeout")]
    [InlineData("QueryTimeout above one hour", "QueryTimeout")]
    [InlineData("MaxQueryRows zero", "MaxQueryRows")]
    [InlineData("MaxQueryBytes below 1024", "MaxQueryBytes")]
    [InlineData("MaxReaders zero", "MaxReaders")]
    [InlineData("MaxReaders above 64", "MaxReaders")]
    public async Task OpenAsync_OptionOutOfRange_ThrowsArgumentOutOfRangeAndCreatesNoFile(string scenario, string parameter)
    {
        using var dir = new TempDirectory();
        var options = InvalidOptions(scenario);

        var act = () => MirrorStore.OpenAsync(dir.File(), options);

        (await act.Should().ThrowExactlyAsync<ArgumentOutOfRangeException>()).Which.ParamName.Should().Be(parameter);
        File.Exists(dir.File()).Should().BeFalse();
        await FluentActions.Awaiting(() => MirrorStore.OpenInMemoryAsync(options)).Should().ThrowExactlyAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task OpenAsync_OptionsAtBounds_Open()
    {
        using var dir = new TempDirectory();
        var options = new MirrorStoreOptions
        {
            BusyTimeout = TimeSpan.Zero,
            QueryTimeout = TimeSpan.FromHours(1),
            MaxQueryRows = 1,
            MaxQueryBytes = 1024,
            MaxReaders = 64,
        };

        await using var store = await MirrorStore.OpenAsync(dir.File(), options);

        store.Options.Should().BeSameAs(options);
    }

    [Fact]
    public async Task ApplyBatchAsync_TokenCancelledBefore_CommitsNothing()
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());
        await store.ApplyBatchAsync([Customer("c1", "Ada")], LastWriteWins.Instance, new CursorUpdate("crm", "page-1"));
        var before = Snapshot(store.Path!);

        var act = () => store.ApplyBatchAsync(
            [Customer("c2", "Grace"), Customer("c1", "Ada L.")],
            LastWriteWins.Instance,
            new CursorUpdate("crm", "page-2"),
            new CancellationToken(canceled: true));

        await act.Should().ThrowAsync<OperationCanceledException>();
        Snapshot(store.Path!).Should().Be(before);
        (await store.EventCountAsync()).Should().Be(1);
        (await store.GetCursorAsync("crm")).Should().Be("page-1");
    }

    [Fact]
    public async Task ApplyBatchAsync_TokenCancelledDuringBatch_CommitsNothing()
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());
        await store.ApplyBatchAsync([Customer("c1", "Ada")], LastWriteWins.Instance, new CursorUpdate("crm", "page-1"));
        var before = Snapshot(store.Path!);
        using var cancellation = new CancellationTokenSource();
        using var cancelling = new ScriptedStrategy(2, cancellation.Cancel);

        var act = () => store.ApplyBatchAsync(
            [Customer("c2", "Grace"), Customer("c3", "Edsger"), Customer("c1", "Ada L.")],
            cancelling,
            new CursorUpdate("crm", "page-2"),
            cancellation.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        cancelling.Calls.Should().BeGreaterThanOrEqualTo(2);
        Snapshot(store.Path!).Should().Be(before);

        await store.ApplyAsync(Customer("c2", "Grace"), LastWriteWins.Instance);
        (await store.EventCountAsync()).Should().Be(2);
    }

    [Fact]
    public async Task SetCursorAsync_TokenCancelledBefore_StoresNothing()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.SetCursorAsync("crm", "page-1", cancellationToken: new CancellationToken(canceled: true));

        await act.Should().ThrowAsync<OperationCanceledException>();
        (await store.GetCursorAsync("crm")).Should().BeNull();
    }

    private static MirrorStoreOptions InvalidOptions(string scenario) => scenario switch
    {
        "BusyTimeout negative" => new MirrorStoreOptions { BusyTimeout = TimeSpan.FromMilliseconds(-1) },
        "BusyTimeout above one day" => new MirrorStoreOptions { BusyTimeout = TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1) },
        "QueryTimeout zero" => new MirrorStoreOptions { QueryTimeout = TimeSpan.Zero },
        "QueryTimeout above one hour" => new MirrorStoreOptions { QueryTimeout = TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1) },
        "MaxQueryRows zero" => new MirrorStoreOptions { MaxQueryRows = 0 },
        "MaxQueryBytes below 1024" => new MirrorStoreOptions { MaxQueryBytes = 1023 },
        "MaxReaders zero" => new MirrorStoreOptions { MaxReaders = 0 },
        "MaxReaders above 64" => new MirrorStoreOptions { MaxReaders = 65 },
        _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "Unknown scenario."),
    };

    private static async Task Run(MirrorStore store, string operation)
    {
        switch (operation)
        {
            case "ApplyAsync":
                await store.ApplyAsync(Customer("c2", "Grace"), LastWriteWins.Instance);
                break;
            case "ApplyBatchAsync":
                await store.ApplyBatchAsync([Customer("c2", "Grace")], LastWriteWins.Instance);
                break;
            case "SetCursorAsync":
                await store.SetCursorAsync("crm", "page-1");
                break;
            case "GetCursorAsync":
                await store.GetCursorAsync("crm");
                break;
            case "GetRecordAsync":
                await store.GetRecordAsync("customers", "c1");
                break;
            case "GetTombstoneAsync":
                await store.GetTombstoneAsync("customers", "c1");
                break;
            case "ListRecordsAsync":
                await foreach (var unused in store.ListRecordsAsync("customers"))
                {
                }

                break;
            case "ListResourcesAsync":
                await store.ListResourcesAsync();
                break;
            case "RecordCountsAsync":
                await store.RecordCountsAsync();
                break;
            case "EventCountAsync":
                await store.EventCountAsync();
                break;
            case "QueryAsync":
                await store.QueryAsync("SELECT 1");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(operation), operation, "Unknown operation.");
        }
    }
}
