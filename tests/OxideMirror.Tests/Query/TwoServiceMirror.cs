namespace OxideMirror.Tests.Query;

/// <summary>A realistic two-service mirror: a CRM's customers and a billing system's invoices.</summary>
internal static class TwoServiceMirror
{
    public static async Task<MirrorStore> OpenAsync(string? path = null, MirrorStoreOptions? options = null)
    {
        var store = path is null ? await MirrorStore.OpenInMemoryAsync(options) : await MirrorStore.OpenAsync(path, options);
        var syncer = new Syncer(store);
        syncer.AddSource(StaticSource.FromDeltas("crm", Customers(), pageSize: 50));
        syncer.AddSource(StaticSource.FromDeltas("billing", Invoices(), pageSize: 50));
        await syncer.SyncAllAsync();
        return store;
    }

    public static IEnumerable<Delta> Customers()
    {
        string[] tiers = ["enterprise", "startup", "smb"];
        for (var i = 1; i <= 40; i++)
        {
            yield return Delta.Upsert("customers", $"c{i}", new
            {
                name = $"Customer {i}",
                tier = tiers[i % 3],
                country = i % 2 == 0 ? "DE" : "US",
                active = i % 5 != 0,
                address = new { city = i % 2 == 0 ? "Berlin" : "Boston", zip = $"{10000 + i}" },
                tags = new[] { "t" + (i % 4), "all" },
            }, "crm");
        }
    }

    public static IEnumerable<Delta> Invoices()
    {
        for (var i = 1; i <= 120; i++)
        {
            yield return Delta.Upsert("invoices", $"inv-{i}", new
            {
                customer_id = $"c{(i % 40) + 1}",
                amount = 100.5 * i,
                status = i % 3 == 0 ? "open" : "paid",
                issued_on = $"2026-{(i % 12) + 1:00}-01",
            }, "billing");
        }
    }
}
