// AgentTools: the mirror's agent tools as a chat client's tool loop would call them, with a scripted "agent" in place
// of a model. It needs no model and no network: the Microsoft.Extensions.AI abstractions alone.
using System.Text.Json;
using Microsoft.Extensions.AI;
using OxideMirror;
using OxideMirror.AI;

// 1. A mirror of two services: a CRM's customers and a billing system's invoices, synced from static sources.
await using var store = await MirrorStore.OpenInMemoryAsync();
var syncer = new Syncer(store)
    .AddSource(StaticSource.FromDeltas("crm", Customers()))
    .AddSource(StaticSource.FromDeltas("billing", Invoices()));
await syncer.SyncAllAsync();
await store.CreateIndexAsync("invoices", "customer_id");

// 2. The tools, as IChatClient's ChatOptions.Tools would take them. The host's ceilings hold whatever a model asks.
IList<AITool> tools = store.CreateAITools(new MirrorToolOptions { DefaultQueryRows = 20, MaxQueryRows = 200 });
Console.WriteLine("Tools: " + string.Join(", ", tools.Select(t => t.Name)));

// 3. The scripted agent: the calls a model would make, in the order the tools' descriptions suggest.
(string Tool, object? Arguments)[] script =
[
    ("mirror_overview", null),
    ("describe_resources", new { resources = new[] { "customers", "invoices" }, detail = "summary" }),
    ("query", new
    {
        sql = """
              SELECT c.name AS customer, count(*) AS open_invoices, round(sum(i.amount), 2) AS owed
              FROM customers c JOIN invoices i ON i.customer_id = c.record_id
              WHERE i.status = @status GROUP BY c.record_id ORDER BY owed DESC
              """,
        @params = new { status = "open" },
        max_rows = 3,
    }),
    ("query", new { sql = "DELETE FROM invoices" }),
];

// 4. The loop: call each tool as FunctionInvokingChatClient would, and print what the model would read.
var failures = 0;
foreach (var (name, arguments) in script)
{
    var function = tools.OfType<AIFunction>().Single(t => t.Name == name);
    var call = new AIFunctionArguments(arguments is null
        ? new Dictionary<string, object?>()
        : JsonSerializer.SerializeToElement(arguments).EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value));
    Console.WriteLine();
    Console.WriteLine($"> {name} {(arguments is null ? "{}" : JsonSerializer.Serialize(arguments))}");
    var answer = (JsonElement)(await function.InvokeAsync(call))!;
    var text = JsonSerializer.Serialize(answer);
    Console.WriteLine($"< {text.Length:N0} bytes: {(text.Length <= 1_200 ? text : text[..1_200] + " …")}");
    if (answer.TryGetProperty("error", out var error))
    {
        failures++;
        Console.WriteLine($"  (the model reads error {error.GetProperty("code").GetString()} and fixes its next call)");
    }
}

// 5. The write was refused and nothing changed: the mirror still holds every invoice.
var counts = await store.RecordCountsAsync();
Console.WriteLine();
Console.WriteLine($"Invoices still mirrored: {counts["invoices"]}; refused calls: {failures}.");
return counts["invoices"] == 12 && failures == 1 ? 0 : 1;

static IEnumerable<Delta> Customers()
{
    string[] names = ["Acme Corp", "Globex", "Initech", "Umbrella"];
    for (var i = 0; i < names.Length; i++)
    {
        yield return Delta.Upsert("customers", $"c{i + 1}", new { name = names[i], tier = i % 2 == 0 ? "enterprise" : "startup" }, "crm");
    }
}

static IEnumerable<Delta> Invoices()
{
    for (var i = 1; i <= 12; i++)
    {
        yield return Delta.Upsert("invoices", $"inv-{i}", new { customer_id = $"c{(i % 4) + 1}", amount = 1_000 + (i * 250.5), status = i % 3 == 0 ? "paid" : "open" }, "billing");
    }
}
