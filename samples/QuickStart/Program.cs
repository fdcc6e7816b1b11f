// OxideMirror quick start: mirror two services into one SQLite file, then ask a question that spans both.
using OxideMirror;

// 1. Open (or create) the mirror file.
var path = Path.Combine(Path.GetTempPath(), "oxidemirror-quickstart.db");
foreach (var file in new[] { path, path + "-wal", path + "-shm" })
{
    File.Delete(file);
}

await using var store = await MirrorStore.OpenAsync(path);
Console.WriteLine($"1. Opened mirror at {store.Path} (schema version {store.SchemaVersion})");

// 2. Two "services". A generated API client would implement ISyncSource; StaticSource serves pages held in memory.
var crm = new StaticSource("crm",
[
    new PullResult(
    [
        Delta.Upsert("customers", "c1", new { name = "Acme Corp", tier = "enterprise", country = "DE" }, "crm"),
        Delta.Upsert("customers", "c2", new { name = "Globex", tier = "startup", country = "US" }, "crm"),
    ], NextCursor: "page-1", HasMore: true),
    new PullResult(
    [
        Delta.Upsert("customers", "c3", new { name = "Initech", tier = "enterprise", country = "US" }, "crm"),
        Delta.Upsert("customers", "c2", new { name = "Globex", tier = "enterprise", country = "US" }, "crm"),
    ], NextCursor: "page-2", HasMore: false),
]);

var billing = StaticSource.FromDeltas("billing",
[
    Delta.Upsert("invoices", "inv-1", new { customer_id = "c1", amount = 12_500.00, status = "paid" }, "billing"),
    Delta.Upsert("invoices", "inv-2", new { customer_id = "c1", amount = 4_200.00, status = "open" }, "billing"),
    Delta.Upsert("invoices", "inv-3", new { customer_id = "c2", amount = 900.00, status = "paid" }, "billing"),
    Delta.Upsert("invoices", "inv-4", new { customer_id = "c3", amount = 18_000.00, status = "open" }, "billing"),
    Delta.Delete("invoices", "inv-3", "billing"),
], pageSize: 2);

// 3. Sync both: each page and its cursor commit in one transaction, so a crash loses nothing.
var syncer = new Syncer(store).AddSource(crm).AddSource(billing);
foreach (var report in await syncer.SyncAllAsync())
{
    Console.WriteLine($"2. {report}");
}

// 4. Ask a question that spans both services, with read-only SQL (what an agent would send). Each resource is a table
//    under its own name, with one column per payload key; an index makes the join key a seek.
await store.CreateIndexAsync("invoices", "customer_id");
var result = await store.QueryAsync(
    """
    SELECT c.name AS customer, count(*) AS invoices, sum(i.amount) AS billed
    FROM customers c
    JOIN invoices i ON i.customer_id = c.record_id
    WHERE c.tier = @tier
    GROUP BY c.record_id
    HAVING billed > @minimum
    ORDER BY billed DESC
    """,
    new { tier = "enterprise", minimum = 10_000 });

Console.WriteLine("3. Enterprise customers billed more than $10k:");
foreach (var row in result.Rows)
{
    Console.WriteLine($"   {row["customer"],-10} {row["invoices"]} invoice(s)  ${row["billed"]:N2}");
}

Console.WriteLine($"4. As JSON for an agent: {result.ToJson()}");

// 5. Untrusted SQL cannot change the mirror.
try
{
    await store.QueryAsync("WITH x AS (SELECT 1) DELETE FROM mirror_records");
}
catch (QueryNotReadOnlyException ex)
{
    Console.WriteLine($"5. Refused: {ex.Message}");
}

// 6. Deletes keep a tombstone, so "deleted" differs from "never seen".
var tombstone = await store.GetTombstoneAsync("invoices", "inv-3");
Console.WriteLine($"6. invoices/inv-3 was deleted by {tombstone?.Source} at {tombstone?.DeletedAt:O} (version {tombstone?.Version})");

// 7. What an agent reads first: the schema, sized for a prompt, with the join key between the two services.
Console.WriteLine("7. DescribeAsync().ToMarkdown():");
Console.WriteLine((await store.DescribeAsync()).ToMarkdown());
