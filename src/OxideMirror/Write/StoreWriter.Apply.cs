using System.Diagnostics;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.Logging;

namespace OxideMirror;

internal sealed partial class StoreWriter
{
    /// <summary>
    /// Applies <paramref name="deltas"/>, then for each of <paramref name="passes"/> deletes the records of
    /// <paramref name="cursor"/>'s source that the pass did not list, then stores the cursor — in one transaction; returns
    /// what each delta and each of those deletes did.
    /// </summary>
    public async Task<PageOutcome> ApplyAsync(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor, IReadOnlyList<CompletedPass>? passes, CancellationToken cancellationToken)
    {
        DeltaRules.CheckPage(deltas, strategy, cursor, passes);

        var started = Stopwatch.GetTimestamp();
        var outcome = await WriteAsync(
            t =>
            {
                var appliedAt = Timestamps.Write(t.Now);
                var results = new List<AppliedDelta>(deltas.Count);
                List<Delta> missing = [];
                for (var i = 0; i < deltas.Count; i++)
                {
                    if ((i & 255) == 255)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                    }

                    var result = Records.Apply(deltas[i], strategy, appliedAt, DeltaRules.PositionOf(i, deltas.Count, cursor));
                    results.Add(result);
                }

                if (passes is not null)
                {
                    foreach (var pass in passes)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        Records.ApplyMissing(pass, cursor!.Source, deltas, strategy, appliedAt, t.Now, results, missing);
                    }
                }

                if (cursor is not null)
                {
                    Records.SetCursor(cursor, appliedAt);
                }

                Records.Finish(appliedAt);
                cancellationToken.ThrowIfCancellationRequested();
                return new PageOutcome(results, missing);
            },
            () => Doing(deltas.Count, cursor),
            cancellationToken,
            appendsToLog: true).ConfigureAwait(false);

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            StoreLog.BatchCommitted(_logger, deltas.Count, cursor?.Source, elapsed);
        }

        return outcome;
    }

    /// <summary>Creates an index on a resource's field in one write transaction; returns the index's name.</summary>
    public Task<string> CreateIndexAsync(string resource, string field, CancellationToken cancellationToken) =>
        WriteAsync(
            t =>
            {
                var name = Records.CreateIndex(resource, field, Timestamps.Write(t.Now));
                if (name is null)
                {
                    var known = t.Connection.Query<string>("SELECT name FROM mirror_resources ORDER BY name", transaction: t.Transaction).AsList();
                    throw new MirrorException(
                        $"Resource '{resource}' has not been synced, so it has no table to index. Known resources: {(known.Count == 0 ? "none yet" : string.Join(", ", known))}. Sync it first, or check the name.");
                }

                return name;
            },
            () => $"creating the index on {resource}.{field}",
            cancellationToken);

    private static string Doing(int deltas, CursorUpdate? cursor) => (deltas, cursor) switch
    {
        (0, { } c) => $"storing the cursor of source '{c.Source}'",
        (_, { } c) => string.Create(CultureInfo.InvariantCulture, $"applying a batch of {deltas} delta(s) with the cursor of source '{c.Source}'"),
        _ => string.Create(CultureInfo.InvariantCulture, $"applying a batch of {deltas} delta(s)"),
    };
}
