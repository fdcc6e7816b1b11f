// OxideMirror agent host: run the mirror as a module on a message bus inside a .NET generic host, and talk to it
// the way a host kernel would: commands in, correlated events out.
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
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

// Listen to the mirror's metrics the way an exporter would (OpenTelemetry: AddMeter(OxideMirrorTelemetry.MeterName)).
// The generic host provides an IMeterFactory, and AddOxideMirror opens the store's meter through it.
var measured = new ConcurrentDictionary<string, double>();
using var listener = new MeterListener();
listener.InstrumentPublished = (instrument, l) =>
{
    if (instrument.Meter.Name == OxideMirrorTelemetry.MeterName)
    {
        l.EnableMeasurementEvents(instrument);
    }
};
void Measured(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
{
    var key = instrument.Name;
    foreach (var (name, tag) in tags)
    {
        if (name is "oxidemirror.outcome" or "error.type")
        {
            key += $" {name}={tag}";
        }
    }

    measured.AddOrUpdate($"{key} ({instrument.Unit})", value, (_, sum) => instrument.IsObservable ? value : sum + value);
}

listener.SetMeasurementEventCallback<long>((i, v, t, _) => Measured(i, v, t));
listener.SetMeasurementEventCallback<double>((i, v, t, _) => Measured(i, i.Name.EndsWith(".duration", StringComparison.Ordinal) ? 1 : v, t));
listener.Start();

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

// 6. What the mirror measured: sums of counters, counts of durations, and the gauges' current values.
listener.RecordObservableInstruments();
Console.WriteLine("6. Telemetry (meter 'OxideMirror'; durations are counted, not summed):");
foreach (var (name, value) in measured.OrderBy(m => m.Key, StringComparer.Ordinal))
{
    Console.WriteLine($"   {name}: {value}");
}

// 7. Stop the host: the module stops listening and finishes (or cancels) commands in flight; the process exits.
await events.DisposeAsync();
await host.StopAsync();
Console.WriteLine("7. Host stopped.");
