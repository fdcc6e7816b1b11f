using BenchmarkDotNet.Running;
using OxideMirror.Benchmarks;

// dotnet run -c Release --project tests/OxideMirror.Benchmarks -- --quick     the side-by-side comparison (< 2 min)
// dotnet run -c Release --project tests/OxideMirror.Benchmarks -- --compaction rebuild and compaction of a 1M-event log, events/s
// dotnet run -c Release --project tests/OxideMirror.Benchmarks -- --scale     10M events over 2M records: sync, live vs as-of, describe, rebuild, compaction
// dotnet run -c Release --project tests/OxideMirror.Benchmarks -- --search     apply with and without a search index, index build, rebuild, search
// dotnet run -c Release --project tests/OxideMirror.Benchmarks -- --postgres   the PostgreSQL store on a throwaway cluster: apply vs plain Npgsql, two workers vs one, agent queries
// dotnet run -c Release --project tests/OxideMirror.Benchmarks -- --filter *  the BenchmarkDotNet suites
if (args.Length > 0 && args[0] == "--quick")
{
    return await QuickComparison.RunAsync();
}

if (args.Length > 0 && args[0] == "--compaction")
{
    return await CompactionQuick.RunAsync();
}

if (args.Length > 0 && args[0] == "--search")
{
    return await SearchQuick.RunAsync();
}

if (args.Length > 0 && args[0] == "--apply")
{
    return await QuickComparison.RunApplyAsync();
}

if (args.Length > 1 && args[0] == "--sync-million")
{
    return await QuickComparison.SyncMillionAsync(args[1]);
}

if (args.Length > 0 && args[0] == "--postgres")
{
    return await PostgresRun.RunAsync(args);
}

if (args.Length > 3 && args[0] == "--postgres-worker")
{
    return await PostgresRun.WorkerAsync(args[1], args[2], args[3]);
}

if (args.Length > 0 && args[0] == "--scale")
{
    return await ScaleRun.RunAsync(args);
}

if (args.Length > 3 && args[0] == "--scale-sync")
{
    return await ScaleRun.SyncAsync(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
}

if (args.Length > 1 && args[0] == "--scale-query")
{
    return await ScaleRun.QueryAsync(args[1], args[2..]);
}

BenchmarkSwitcher.FromAssembly(typeof(QuickComparison).Assembly).Run(args);
return 0;
