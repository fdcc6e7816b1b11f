// Usage: OxideMirror.PostgreSql.Worker <connection string> <source> <first page> <last page> <page to stall in, or 0>
// Writes pages first..last of GeneratedPages through a lease on <source>; prints "inside <n>" when a page's transaction
// is open (from the strategy, after some of its deltas were written) and "committed <n>" after each commit. In the stall
// page it waits forever inside the transaction, for the test to kill it there.
using OxideMirror;
using OxideMirror.PostgreSql;
using OxideMirror.PostgreSql.Worker;

var connectionString = args[0];
var source = args[1];
var first = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
var last = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
var stall = int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture);

await using var store = await PostgresMirrorStore.OpenAsync(connectionString);
await using var lease = await store.LockSourceAsync(source);
for (var page = first; page <= last; page++)
{
    var strategy = new ReportingStrategy(page, stall);
    await lease.ApplyPageAsync(GeneratedPages.Page(source, page), strategy, new CursorUpdate(source, GeneratedPages.Cursor(page)));
    Console.WriteLine($"committed {page}");
}

Console.WriteLine("done");
