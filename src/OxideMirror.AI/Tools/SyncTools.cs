using System.Globalization;
using System.Text.Json.Nodes;

namespace OxideMirror.AI;

/// <summary>The <c>sync</c> tool: the one tool that changes the mirror, offered only when the host enables it.</summary>
internal static class SyncTools
{
    public static MirrorFunction Sync(ToolContext context) => new(
        MirrorToolNames.Sync,
        "Syncs the mirror from its sources now: pulls what changed from one source (by id) or from all of them, and reports pages, pulled and applied "
        + "deltas and any error per source. It calls remote services and changes the mirror (nothing is lost: the log keeps every version). "
        + "Use it only when freshness matters more than a slower answer; mirror_overview shows when each source last synced.",
        """
        {"type":"object","properties":{
        "source":{"type":"string","description":"The id of the source to sync; leave out to sync every source, one after another."}
        },"additionalProperties":false}
        """,
        ["source"],
        context,
        async (args, ct) =>
        {
            var source = args.OptionalString("source");
            var syncer = await context.Syncer!(ct).ConfigureAwait(false);
            IReadOnlyList<SyncReport> reports;
            try
            {
                reports = source is null
                    ? await syncer.SyncAllAsync(ct).ConfigureAwait(false)
                    : [await syncer.SyncSourceAsync(source, ct).ConfigureAwait(false)];
            }
            catch (UnknownSourceException)
            {
                throw;
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or MirrorException))
            {
                throw new SyncToolException(string.Create(CultureInfo.InvariantCulture, $"The sync of source '{ToolJson.Shorten(source ?? "*", 60)}' failed with {ex.GetType().Name}: {ex.Message} Pages committed before the failure stay; the next sync resumes from the stored cursor."), ex);
            }

            var list = new JsonArray();
            var answer = new JsonObject { ["succeeded"] = reports.All(r => r.Succeeded), ["reports"] = list };
            var budget = new AnswerBudget(context.MaxAnswerBytes, answer);
            var shown = 0;
            foreach (var report in reports)
            {
                var item = new JsonObject
                {
                    ["source"] = report.Source,
                    ["succeeded"] = report.Succeeded,
                    ["pages"] = report.Pages,
                    ["pulled"] = report.Pulled,
                    ["applied"] = report.Applied,
                    ["skipped"] = report.Skipped,
                    ["unchanged"] = report.Unchanged,
                    ["duration_ms"] = Math.Round(report.Duration.TotalMilliseconds),
                };
                if (report.Error is { } error)
                {
                    item["error"] = new JsonObject
                    {
                        ["code"] = error is MirrorException mirror ? mirror.Code : MirrorErrorCodes.SyncFailed,
                        ["message"] = ToolJson.Shorten(error.Message, 1_000),
                    };
                }

                if (!budget.TryAdd(list, item))
                {
                    break;
                }

                shown++;
            }

            if (shown < reports.Count)
            {
                answer["reports_omitted"] = reports.Count - shown;
            }

            return answer;
        });
}
