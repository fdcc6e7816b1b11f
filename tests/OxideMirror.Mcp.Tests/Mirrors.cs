namespace OxideMirror.Mcp.Tests;

internal static class Mirrors
{
    /// <summary>A CRM's customers and a billing system's invoices, in memory.</summary>
    public static async Task<MirrorStore> TwoServicesAsync()
    {
        var store = await MirrorStore.OpenInMemoryAsync();
        await Syncer(store).SyncAllAsync();
        return store;
    }

    public static Syncer Syncer(MirrorStore store) => new Syncer(store)
        .AddSource(StaticSource.FromDeltas("crm", Customers()))
        .AddSource(StaticSource.FromDeltas("billing", Invoices()));

    public static IEnumerable<Delta> Customers()
    {
        string[] tiers = ["enterprise", "startup", "smb"];
        for (var i = 1; i <= 40; i++)
        {
            yield return Delta.Upsert("customers", $"c{i}", new { name = $"Customer {i}", tier = tiers[i % 3] }, "crm");
        }
    }

    public static IEnumerable<Delta> Invoices()
    {
        for (var i = 1; i <= 120; i++)
        {
            yield return Delta.Upsert("invoices", $"inv-{i}", new { customer_id = $"c{(i % 40) + 1}", amount = 100.5 * i, status = i % 3 == 0 ? "open" : "paid" }, "billing");
        }
    }
}
