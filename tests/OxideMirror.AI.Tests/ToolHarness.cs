using System.Text.Json;
using Microsoft.Extensions.AI;

namespace OxideMirror.AI.Tests;

/// <summary>Calls the agent tools as a chat client would, and builds the mirrors they read.</summary>
internal static class ToolHarness
{
    public static AIFunction Tool(this IList<AITool> tools, string name) =>
        tools.OfType<AIFunction>().Single(t => t.Name == name);

    /// <summary>Invokes a tool with arguments given as an anonymous object or a dictionary (serialized as a model would send them), and returns its answer.</summary>
    public static async Task<JsonElement> CallAsync(this IList<AITool> tools, string name, object? arguments = null)
    {
        var tool = tools.Tool(name);
        var args = new AIFunctionArguments();
        if (arguments is not null)
        {
            using var document = JsonDocument.Parse(JsonSerializer.Serialize(arguments));
            foreach (var property in document.RootElement.EnumerateObject())
            {
                args[property.Name] = property.Value.Clone();
            }
        }

        var result = await tool.InvokeAsync(args);
        return result.Should().BeOfType<JsonElement>().Subject;
    }

    /// <summary>Returns the answer's size as the compact UTF-8 JSON a host sends on.</summary>
    public static int Bytes(this JsonElement answer) => JsonSerializer.SerializeToUtf8Bytes(answer, AnswerOptions).Length;

    public static string Code(this JsonElement answer) => answer.GetProperty("error").GetProperty("code").GetString()!;

    public static string Message(this JsonElement answer) => answer.GetProperty("error").GetProperty("message").GetString()!;

    public static bool IsError(this JsonElement answer) => answer.TryGetProperty("error", out _);

    private static readonly JsonSerializerOptions AnswerOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default };

    /// <summary>Opens an in-memory store holding <paramref name="deltas"/>, synced from one source per distinct source name.</summary>
    public static async Task<MirrorStore> StoreAsync(IEnumerable<Delta> deltas)
    {
        var store = await MirrorStore.OpenInMemoryAsync();
        var syncer = new Syncer(store);
        foreach (var group in deltas.GroupBy(d => d.Provenance.Source))
        {
            syncer.AddSource(StaticSource.FromDeltas(group.Key, group.ToList(), pageSize: 1_000));
        }

        await syncer.SyncAllAsync();
        return store;
    }

    /// <summary>A CRM's customers and a billing system's invoices, 40 and 120 records.</summary>
    public static Task<MirrorStore> TwoServicesAsync() => StoreAsync(Customers().Concat(Invoices()));

    public static IEnumerable<Delta> Customers(int count = 40)
    {
        string[] tiers = ["enterprise", "startup", "smb"];
        for (var i = 1; i <= count; i++)
        {
            yield return Delta.Upsert("customers", $"c{i}", new { name = $"Customer {i}", tier = tiers[i % 3], country = i % 2 == 0 ? "DE" : "US" }, "crm");
        }
    }

    public static IEnumerable<Delta> Invoices(int count = 120)
    {
        for (var i = 1; i <= count; i++)
        {
            yield return Delta.Upsert("invoices", $"inv-{i}", new { customer_id = $"c{(i % 40) + 1}", amount = 100.5 * i, status = i % 3 == 0 ? "open" : "paid" }, "billing");
        }
    }
}
