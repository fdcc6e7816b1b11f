using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OxideMirror.AI;
using OxideMirror.Hosting;
using OxideMirror.Kernel;

namespace OxideMirror.PostgreSql.Tests.Hosting;

/// <summary>
/// <c>AddOxideMirror</c> with <see cref="PostgresHostingExtensions.UsePostgreSql"/>: the container opens the PostgreSQL store,
/// the background sync writes through its writer, and the <see cref="MirrorModule"/> and the agent tools answer from its
/// reader, on a real server.
/// </summary>
[Collection(PostgresTests.Name)]
public sealed class PostgresHostingTests(PostgresServer server)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [PostgresFact]
    public async Task HostedServices_OverPostgres_SyncInTheBackground_AndTheModuleAnswersEveryReadOnTheBus()
    {
        var connectionString = await server.CreateDatabaseAsync();
        await using var container = Container(connectionString, o => o.EnableBackgroundSync = true);
        var provider = container.GetRequiredService<IMirrorStoreProvider>();
        var bus = container.GetRequiredService<IMessageBus>();
        using var stop = new CancellationTokenSource();
        await using var events = bus.SubscribeAsync(stop.Token).GetAsyncEnumerator();
        var hosted = container.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        try
        {
            var reports = await provider.WhenAllSyncedAsync().WaitAsync(Patience);
            reports.Should().ContainSingle().Which.Succeeded.Should().BeTrue();

            var query = await AskAsync(bus, events, "query", new { sql = "SELECT name FROM pets WHERE age > @age ORDER BY name", parameters = new { age = 2 } });
            var record = await AskAsync(bus, events, "get_record", new { resource = "pets", id = "2" });
            var page = await AskAsync(bus, events, "list_records", new { resource = "pets", page_size = 2 });
            var next = await AskAsync(bus, events, "list_records", new { resource = "pets", page_size = 2, after = page.Payload.GetProperty("next_after").GetString() });
            var resources = await AskAsync(bus, events, "resources");
            var counts = await AskAsync(bus, events, "counts");
            var describe = await AskAsync(bus, events, "describe");
            var history = await AskAsync(bus, events, "history", new { resource = "pets", id = "1" });
            var changes = await AskAsync(bus, events, "changes_since", new { position = 0 });
            var explain = await AskAsync(bus, events, "explain", new { resource = "pets", id = "1" });
            var asOf = await AskAsync(bus, events, "query", new { sql = "SELECT 1", as_of = "2026-01-01T00:00:00Z" });
            var refused = await AskAsync(bus, events, "query", new { sql = "DELETE FROM pets" });

            query.Kind.Should().Be("query.ok");
            query.Payload.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("name").GetString()).Should().Equal("Rex", "Tom");
            record.Payload.GetProperty("record").GetProperty("payload").GetProperty("name").GetString().Should().Be("Tom");
            page.Payload.GetProperty("records").GetArrayLength().Should().Be(2);
            page.Payload.GetProperty("has_more").GetBoolean().Should().BeTrue();
            next.Payload.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("record_id").GetString()).Should().Equal("3");
            resources.Payload.GetProperty("resources").EnumerateArray().Select(r => r.GetString()).Should().Equal("pets");
            counts.Payload.GetProperty("counts").GetProperty("pets").GetInt64().Should().Be(3);
            describe.Payload.GetProperty("markdown").GetString().Should().Contain("pets");
            history.Payload.GetProperty("changes").GetArrayLength().Should().Be(1);
            changes.Kind.Should().Be("changes_since.ok");
            explain.Payload.GetProperty("found").GetBoolean().Should().BeTrue();
            asOf.ErrorCode.Should().Be(MirrorErrorCodes.QueryFailed);
            asOf.Payload.GetProperty("message").GetString().Should().Contain("PostgreSQL");
            refused.ErrorCode.Should().Be(MirrorErrorCodes.QueryRefused);
        }
        finally
        {
            foreach (var service in hosted)
            {
                await service.StopAsync(CancellationToken.None);
            }

            await stop.CancelAsync();
        }
    }

    [PostgresFact]
    public async Task Provider_OverPostgres_HandsOutTheReaderAndASyncerOverItsWriter_ButNoSqliteStore()
    {
        var connectionString = await server.CreateDatabaseAsync();
        await using var container = Container(connectionString);
        var provider = container.GetRequiredService<IMirrorStoreProvider>();

        var reader = await provider.GetReaderAsync();
        var syncer = await provider.GetSyncerAsync();
        var report = await syncer.SyncSourceAsync("pets");

        provider.Dialect.Should().Be(QueryDialect.PostgreSql);
        provider.Capabilities.Should().Be(MirrorReaderCapabilities.None);
        reader.Dialect.Should().Be(QueryDialect.PostgreSql);
        (await provider.GetReaderAsync()).Should().BeSameAs(reader);
        syncer.Store.Should().BeNull();
        report.Applied.Should().Be(3);
        (await reader.RecordCountsAsync())["pets"].Should().Be(3);
        var act = async () => await provider.GetStoreAsync();
        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("GetReaderAsync").And.Contain("PostgreSql");
    }

    [PostgresFact]
    public async Task AgentTools_FromAPostgresProvider_LeaveOutWhatItCannotServe_AndAnswerFromIt()
    {
        var connectionString = await server.CreateDatabaseAsync();
        await using var container = Container(connectionString);
        var provider = container.GetRequiredService<IMirrorStoreProvider>();
        await (await provider.GetSyncerAsync()).SyncSourceAsync("pets");

        var tools = provider.CreateAITools();
        var query = tools.OfType<AIFunction>().Single(t => t.Name == MirrorToolNames.Query);
        var answer = (JsonElement)(await query.InvokeAsync(new AIFunctionArguments(new Dictionary<string, object?> { ["sql"] = "SELECT count(*) AS n FROM pets" })))!;

        tools.Select(t => t.Name).Should().NotContain([MirrorToolNames.ExplainQuery, MirrorToolNames.Search]);
        query.Description.Should().Contain("PostgreSQL");
        answer.GetProperty("rows")[0].GetProperty("n").GetInt64().Should().Be(3);
    }

    [PostgresFact]
    public async Task UsePostgreSql_ABadConnectionString_FailsTheOpen_WithTheStoresError()
    {
        await using var container = Container("Host=127.0.0.1;Port=1;Database=nowhere;Username=nobody;Timeout=2");
        var provider = container.GetRequiredService<IMirrorStoreProvider>();

        var act = async () => await provider.GetReaderAsync();

        (await act.Should().ThrowAsync<MirrorStorageException>()).Which.Message.Should().Contain("could not be reached");
    }

    [Fact]
    public void UsePostgreSql_BlankOrNullArguments_AreRefused()
    {
        var options = new OxideMirrorOptions();

        FluentActions.Invoking(() => options.UsePostgreSql(" ")).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => options.UsePostgreSql(null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => PostgresHostingExtensions.UsePostgreSql(null!, "Host=x")).Should().Throw<ArgumentNullException>();
    }

    private static ServiceProvider Container(string connectionString, Action<OxideMirrorOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddOxideMirror(o =>
        {
            o.UsePostgreSql(connectionString, Mirrors.Options(connectionString), ensureAgentRole: true);
            o.AddSource(StaticSource.FromDeltas("pets", Pets()));
            o.SyncInterval = TimeSpan.FromHours(1);
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }

    private static Delta[] Pets() =>
    [
        Delta.Upsert("pets", "1", new { name = "Rex", species = "dog", age = 3 }, "pets"),
        Delta.Upsert("pets", "2", new { name = "Tom", species = "cat", age = 5 }, "pets"),
        Delta.Upsert("pets", "3", new { name = "Kiki", species = "bird", age = 1 }, "pets"),
    ];

    private static async Task<BusEvent> AskAsync(IMessageBus bus, IAsyncEnumerator<BusMessage> events, string method, object? args = null)
    {
        var command = BusCommand.Create("mirror", method, args, Guid.NewGuid().ToString("N"));
        await bus.PublishAsync(command);
        while (await events.MoveNextAsync().AsTask().WaitAsync(Patience))
        {
            if (events.Current is BusEvent answer && answer.CorrelationId == command.CorrelationId)
            {
                return answer;
            }
        }

        throw new InvalidOperationException("The bus closed before the module answered.");
    }
}
