using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Write;

public sealed class CursorTests
{
    [Fact]
    public async Task GetCursorAsync_NothingStored_ReturnsNull()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        (await store.GetCursorAsync("crm")).Should().BeNull();
        (await store.GetCursorAsync("crm", "customers")).Should().BeNull();
    }

    [Fact]
    public async Task SetCursorAsync_ThenGet_RoundTripsPerSourceAndResource()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        await store.SetCursorAsync("crm", "page-7");
        await store.SetCursorAsync("crm", "cust-3", "customers");
        await store.SetCursorAsync("billing", "inv-9");

        (await store.GetCursorAsync("crm")).Should().Be("page-7");
        (await store.GetCursorAsync("crm", "*")).Should().Be("page-7");
        (await store.GetCursorAsync("crm", "customers")).Should().Be("cust-3");
        (await store.GetCursorAsync("crm", "orders")).Should().BeNull();
        (await store.GetCursorAsync("billing")).Should().Be("inv-9");
        (await store.GetCursorAsync("billing", "customers")).Should().BeNull();
    }

    [Fact]
    public async Task SetCursorAsync_Again_ReplacesCursor()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.SetCursorAsync("crm", "page-1");

        await store.SetCursorAsync("crm", "page-2");

        (await store.GetCursorAsync("crm")).Should().Be("page-2");
        var rows = await store.QueryAsync("SELECT count(*) AS n FROM mirror_cursors");
        rows.Rows[0]["n"].Should().Be(1L);
    }

    [Fact]
    public async Task SetCursorAsync_Null_ClearsOnlyThatCursor()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.SetCursorAsync("crm", "page-1");
        await store.SetCursorAsync("crm", "cust-3", "customers");

        await store.SetCursorAsync("crm", null);

        (await store.GetCursorAsync("crm")).Should().BeNull();
        (await store.GetCursorAsync("crm", "customers")).Should().Be("cust-3");
    }

    [Fact]
    public async Task ApplyBatchAsync_WithCursorUpdate_StoresCursorWithBatch()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        await store.ApplyBatchAsync([Customer("c1", "Ada")], LastWriteWins.Instance, new CursorUpdate("crm", "page-2", "customers"));

        (await store.GetCursorAsync("crm", "customers")).Should().Be("page-2");
        (await store.GetCursorAsync("crm")).Should().BeNull();
    }

    [Fact]
    public async Task SetCursorAsync_OnFileStore_SurvivesReopen()
    {
        using var dir = new TempDirectory();
        await using (var store = await MirrorStore.OpenAsync(dir.File()))
        {
            await store.SetCursorAsync("crm", "page-9");
        }

        await using var reopened = await MirrorStore.OpenAsync(dir.File());
        (await reopened.GetCursorAsync("crm")).Should().Be("page-9");
    }

    [Theory]
    [InlineData("", "*")]
    [InlineData(" ", "*")]
    [InlineData("crm", "")]
    public async Task Cursor_EmptySourceOrResource_ThrowsArgumentException(string source, string resource)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        await FluentActions.Awaiting(() => store.SetCursorAsync(source, "c", resource)).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => store.GetCursorAsync(source, resource)).Should().ThrowAsync<ArgumentException>();
        (await store.QueryAsync("SELECT count(*) AS n FROM mirror_cursors")).Rows[0]["n"].Should().Be(0L);
    }
}
