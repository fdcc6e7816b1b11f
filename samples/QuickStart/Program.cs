// OxideMirror quick start: mirror two REST services into one SQLite file with HttpSource, sync again incrementally,
// then answer questions that span both services with read-only SQL — what an agent would do.
using OxideMirror;
using OxideMirror.Http;

// 1. Start two small services on loopback (inside this process): a CRM and a ticketing system, paginated differently.
await using var services = await DemoServices.StartAsync();
Console.WriteLine($"1. CRM on {services.CrmAddress} (Link-header pages, bearer token); ticketing on {services.TicketingAddress} (cursor pages, API key, rate-limited)");

// 2. Open (or create) the mirror file.
var path = Path.Combine(Path.GetTempPath(), "oxidemirror-quickstart", "mirror.db");
Directory.CreateDirectory(Path.GetDirectoryName(path)!);
foreach (var file in new[] { path, path + "-wal", path + "-shm" })
{
    File.Delete(file);
}

await using var store = await MirrorStore.OpenAsync(path);
Console.WriteLine($"2. Opened mirror at {store.Path}");

// 3. Describe each service once, in code. Customers are refreshed fully (records the CRM no longer lists become
//    tombstones); tickets sync incrementally from the largest updated_at seen, within the service's rate limit.
var crmOptions = new HttpSourceOptions { Id = "crm", BaseAddress = services.CrmAddress, BearerToken = DemoServices.CrmToken };
crmOptions.Resources.Add(new HttpResourceOptions
{
    Name = "customers",
    Path = "v1/customers",
    RecordsPath = "data",
    EventTimeField = "updated_at",
    Paginator = HttpPaginator.LinkHeader,
    DeleteMissing = true,
});
var ticketOptions = new HttpSourceOptions
{
    Id = "helpdesk",
    BaseAddress = services.TicketingAddress,
    ApiKeyHeader = "X-Api-Key",
    ApiKey = DemoServices.TicketsKey,
    RequestsPerSecond = 10,
    RetryBaseDelay = TimeSpan.FromMilliseconds(250),
};
ticketOptions.Resources.Add(new HttpResourceOptions
{
    Name = "tickets",
    Path = "api/tickets",
    RecordsPath = "tickets",
    EventTimeField = "updated_at",
    Paginator = HttpPaginator.CursorToken("next_cursor", "cursor"),
    SinceParameter = "updated_since",
    SinceLag = TimeSpan.FromSeconds(5),
});
using var crmSource = new HttpSource(crmOptions);
using var ticketSource = new HttpSource(ticketOptions);
var syncer = new Syncer(store);

// Each sync reports progress after every committed page (a line per source on a terminal), and ends with its report:
// applied, skipped (by the conflict strategy) and unchanged (the same payload again) are counted apart.
async Task SyncBothAsync()
{
    foreach (var source in new[] { crmSource, ticketSource })
    {
        var progress = new ConsoleProgress(source);
        progress.Done(await syncer.SyncAsync(source, progress));
    }
}

Console.WriteLine("3. First sync (every page of both services; each page commits with its cursor in one transaction):");
await SyncBothAsync();

// 4. Upstream changes: a new ticket, a ticket closed, a customer deleted from the CRM. The second pass asks the
//    ticketing system only for tickets changed since the last one seen; the CRM pass lists every customer, says so on
//    its last page (PullResult.CompletedPasses), and the syncer tombstones the customer it no longer lists.
services.MakeChanges();
Console.WriteLine("4. Incremental second sync:");
await SyncBothAsync();
Console.WriteLine($"   the ticketing service answered 429 {services.RateLimited} time(s); the source's request budget keeps it under the limit");

// 5. Two questions that span both services, in read-only SQL through the per-resource tables.
await store.CreateIndexAsync("tickets", "customer_id");
Console.WriteLine("5a. Enterprise customers with open high-priority tickets:");
Print(await store.QueryAsync(
    """
    SELECT c.name AS customer, c.country, count(*) AS open_high, group_concat(t.subject, '; ') AS subjects
    FROM customers c JOIN tickets t ON t.customer_id = c.record_id
    WHERE c.tier = @tier AND t.status = 'open' AND t.priority = 'high'
    GROUP BY c.record_id ORDER BY open_high DESC, customer
    """,
    new { tier = "enterprise" }));

Console.WriteLine("5b. Open tickets per customer tier (and tickets whose customer is gone from the CRM):");
Print(await store.QueryAsync(
    """
    SELECT coalesce(c.tier, '(deleted customer)') AS tier, count(DISTINCT t.customer_id) AS customers, count(*) AS open_tickets
    FROM tickets t LEFT JOIN customers c ON c.record_id = t.customer_id
    WHERE t.status = 'open'
    GROUP BY 1 ORDER BY open_tickets DESC
    """));

// 6. Untrusted SQL cannot change the mirror.
try
{
    await store.QueryAsync("WITH x AS (SELECT 1) DELETE FROM mirror_records");
}
catch (QueryNotReadOnlyException ex)
{
    Console.WriteLine($"6. Refused: {ex.Message}");
}

// 7. The customer the CRM no longer lists left a tombstone, so "deleted" differs from "never seen".
var tombstone = await store.GetTombstoneAsync("customers", "c-10");
Console.WriteLine($"7. customers/c-10 was deleted by {tombstone?.Source} at {tombstone?.DeletedAt:O} (version {tombstone?.Version})");

// 8. What an agent reads first: the schema, sized for a prompt, with the join key between the two services.
Console.WriteLine("8. DescribeAsync().ToMarkdown():");
Console.WriteLine((await store.DescribeAsync()).ToMarkdown());

static void Print(QueryResult result)
{
    var cells = result.Rows.Select(row => result.Columns.Select(c => Convert.ToString(row[c], System.Globalization.CultureInfo.InvariantCulture) ?? "").ToArray()).ToList();
    var widths = result.Columns.Select((c, i) => Math.Min(48, cells.Select(r => r[i].Length).Append(c.Length).Max())).ToArray();
    string Line(IEnumerable<string> values) => "   | " + string.Join(" | ", values.Select((v, i) => (v.Length > widths[i] ? v[..(widths[i] - 1)] + "…" : v).PadRight(widths[i]))) + " |";
    Console.WriteLine(Line(result.Columns));
    Console.WriteLine("   |" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
    foreach (var row in cells)
    {
        Console.WriteLine(Line(row));
    }
}
