using OxideMirror;
using OxideMirror.Cli;

// SQLite takes OxideMirror's allocator (which bounds every agent query's memory) only before its first connection.
MirrorStore.InitializeSqlite();

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops the command between pages or statements; a second one ends the process.
    e.Cancel = !cancel.IsCancellationRequested;
    cancel.Cancel();
};

return await CliApp.RunAsync(args, CliContext.FromProcess(), cancel.Token);
