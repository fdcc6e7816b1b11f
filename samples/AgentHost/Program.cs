// OxideMirror agent host: run the mirror as a module on a message bus inside a .NET generic host, and talk to it
// the way a host kernel would: commands in, correlated events out.
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OxideMirror;
using OxideMirror.Kernel;

// 1. Build the host: AddOxideMirror registers the store provider, an in-memory bus, and a hosted service that opens
//    the store and runs the MirrorModule on the bus when the host starts.
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Error);
builder.Services.AddOxideMirror(options =>
{
    options.AddSource(StaticSource.FromDeltas("crm",
    [
        Delta.Upsert("customers", "c1", new { name = "Acme Corp", tier = "enterprise", country = "DE" }, "crm"),
        Delta.Upsert("customers", "c2", new { name = "Globex", tier = "startup", country = "US" }, "crm"),
        Delta.Upsert("customers", "c3", new { name = "Initech", tier = "enterprise", country = "US" }, "crm"),
    ]));
    options.Module.ModuleId = "mirror";
});

using var host = builder.Build();
await host.StartAsync();
Console.WriteLine("1. Host started; the mirror module listens on the bus as 'mirror'.");

// 2. Subscribe to the bus as the host kernel would, before sending anything.
var bus = host.Services.GetRequiredService<IMessageBus>();
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
var events = bus.SubscribeAsync(stop.Token).GetAsyncEnumerator(stop.Token);

async Task<BusEvent> SendAsync(string method, object? payload, string correlationId)
{
    var command = BusCommand.Create("mirror", method, payload, correlationId);
    Console.WriteLine($"   -> {method} [{correlationId}] {command.Payload.GetRawText()}");
    await bus.PublishAsync(command);
    while (await events.MoveNextAsync())
    {
        if (events.Current is BusEvent answer && answer.CorrelationId == correlationId)
        {
            Console.WriteLine($"   <- {answer.Kind} [{answer.CorrelationId}] {answer.Payload.GetRawText()}");
            return answer;
        }
    }

    throw new InvalidOperationException("The bus closed before the answer arrived.");
}

// 3. Sync the source.
Console.WriteLine("2. Sync the 'crm' source:");
await SendAsync("sync", new { source = "crm" }, "cmd-1");

// 4. Two queries an agent wrote: one with parameters, one aggregate.
Console.WriteLine("3. Query: enterprise customers in a country:");
await SendAsync("query", new { sql = "SELECT name FROM customers WHERE tier = @tier AND country = @country", parameters = new { tier = "enterprise", country = "US" } }, "cmd-2");
Console.WriteLine("4. Query: customers per tier:");
await SendAsync("query", new { sql = "SELECT tier, count(*) AS n FROM customers GROUP BY tier ORDER BY tier" }, "cmd-3");

// 5. A bad command: the module answers with an error code and a message that says what to fix, and keeps serving.
Console.WriteLine("5. A write the mirror refuses:");
var refused = await SendAsync("query", new { sql = "DELETE FROM customers" }, "cmd-4");
Console.WriteLine($"   error code: {refused.ErrorCode}");

// 6. Stop the host: the module stops listening and finishes (or cancels) commands in flight; the process exits.
await events.DisposeAsync();
await host.StopAsync();
Console.WriteLine("6. Host stopped.");
