using System.Globalization;
using System.Text.Json;

namespace OxideMirror.Kernel;

public sealed partial class MirrorModule
{
    /// <summary>The methods, with the payload fields each accepts; <c>capabilities</c> reports this list.</summary>
    private static readonly (string Name, string[] Fields, string Summary)[] Methods =
    [
        ("sync", ["source"], "Syncs one source by id; a second sync of the same source is queued behind the first."),
        ("sync_all", [], "Syncs every source, one after another; a failed source is reported, not thrown."),
        ("query", ["sql", "parameters", "max_rows", "max_bytes", "timeout_ms", "as_of", "as_of_mode"], "Runs one read-only, bounded SQL statement, optionally as of a past moment."),
        ("get_record", ["resource", "id"], "Reads one record's current state."),
        ("list_records", ["resource", "page_size", "after"], "Reads a page of a resource's records in record-id order; pass next_after to get the next page."),
        ("resources", [], "Lists the resources the mirror holds."),
        ("counts", [], "Counts the live records per resource."),
        ("describe", [], "Describes the resource tables, columns, join keys and limits, as data and as Markdown."),
        ("history", ["resource", "id"], "Lists every change to one record from the event log, oldest first."),
        ("changes_since", ["position", "since", "resource", "limit"], "Summarises what changed after a log position or a moment."),
        ("explain", ["resource", "id"], "Tells where each field of a record's current value came from."),
        ("capabilities", [], "Lists the methods, their fields and the error codes."),
    ];

    private static readonly string[] ErrorCodes =
    [
        MirrorErrorCodes.BadRequest, MirrorErrorCodes.UnknownMethod, MirrorErrorCodes.UnknownSource, MirrorErrorCodes.QueryRefused,
        MirrorErrorCodes.QueryTimeout, MirrorErrorCodes.QueryFailed, MirrorErrorCodes.SyncFailed, MirrorErrorCodes.CommandTimeout, MirrorErrorCodes.Cancelled,
        MirrorErrorCodes.InvalidDelta, MirrorErrorCodes.InvalidPage, MirrorErrorCodes.SourceFailed, MirrorErrorCodes.SourceLocked, MirrorErrorCodes.SchemaIncompatible,
        MirrorErrorCodes.StorageReadOnly, MirrorErrorCodes.StorageDiskFull, MirrorErrorCodes.StorageBusy, MirrorErrorCodes.StorageFailed,
        MirrorErrorCodes.NotSupported, MirrorErrorCodes.Failed, MirrorErrorCodes.Internal,
    ];

    private Task<JsonElement> DispatchAsync(BusCommand command, CancellationToken token)
    {
        var method = command.Method ?? string.Empty;
        var index = Array.FindIndex(Methods, m => string.Equals(m.Name, method, StringComparison.Ordinal));
        if (index < 0)
        {
            throw new CommandFailure(
                MirrorErrorCodes.UnknownMethod,
                $"The mirror module has no method '{CommandArgs.Shorten(method)}'. Send one of: {string.Join(", ", Methods.Select(m => m.Name))}; 'capabilities' describes each.");
        }

        var args = CommandArgs.Read(method, command.Payload, Methods[index].Fields);
        return method switch
        {
            "sync" => SyncAsync(args, token),
            "sync_all" => SyncAllAsync(token),
            "query" => QueryAsync(args, token),
            "get_record" => GetRecordAsync(args, token),
            "list_records" => ListRecordsAsync(args, token),
            "resources" => ResourcesAsync(token),
            "counts" => CountsAsync(token),
            "describe" => DescribeAsync(token),
            "history" => HistoryAsync(args, token),
            "changes_since" => ChangesSinceAsync(args, token),
            "explain" => ExplainAsync(args, token),
            _ => Task.FromResult(Capabilities()),
        };
    }

    private async Task<JsonElement> SyncAsync(CommandArgs args, CancellationToken token)
    {
        var source = args.RequiredString("source");
        var found = Syncer.GetSource(source);
        SyncReport report;
        try
        {
            report = await Syncer.SyncAsync(found, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
        {
            throw new CommandFailure(
                MirrorErrorCodes.SyncFailed,
                $"The sync of source '{CommandArgs.Shorten(source)}' failed with {ex.GetType().Name}: {ex.Message} Pages committed before the failure stay committed; the next sync resumes from the stored cursor.",
                ex);
        }

        return MirrorJson.ToElement(Report(report));
    }

    private async Task<JsonElement> SyncAllAsync(CancellationToken token)
    {
        var reports = await Syncer.SyncAllAsync(token).ConfigureAwait(false);
        return MirrorJson.ToElement(new { Reports = reports.Select(Report).ToList(), Succeeded = reports.All(r => r.Succeeded) });
    }

    private async Task<JsonElement> QueryAsync(CommandArgs args, CancellationToken token)
    {
        var sql = args.RequiredString("sql");
        var parameters = args.OptionalParameters("parameters");
        var maxRows = Ceiling(args, "max_rows", 1, _ceilings.MaxRows, "rows", nameof(MirrorModuleOptions.MaxQueryRows));
        var maxBytes = Ceiling(args, "max_bytes", 1024, _ceilings.MaxBytes, "bytes", nameof(MirrorModuleOptions.MaxQueryBytes));
        var timeoutMs = Ceiling(args, "timeout_ms", 1, _ceilings.TimeoutMs, "ms", nameof(MirrorModuleOptions.MaxQueryTimeout));
        var mode = args.OptionalString("as_of_mode");
        var asOfMode = mode switch
        {
            null or "applied" => AsOfMode.Applied,
            "occurred" => AsOfMode.Occurred,
            _ => throw CommandArgs.BadRequest("query", $"The field 'as_of_mode' is '{CommandArgs.Shorten(mode)}'; send \"applied\" (as the mirror held it) or \"occurred\" (as the source said it happened)."),
        };
        var asOf = args.OptionalTimestamp("as_of");
        if (mode is not null && asOf is null)
        {
            throw CommandArgs.BadRequest("query", "The field 'as_of_mode' needs 'as_of', the moment to query at.");
        }

        var options = new QueryOptions
        {
            MaxRows = (int)maxRows,
            MaxBytes = maxBytes,
            Timeout = TimeSpan.FromMilliseconds(timeoutMs),
            AsOf = asOf,
            AsOfMode = asOfMode,
        };
        var result = await Reader.QueryAsync(sql, parameters, options, token).ConfigureAwait(false);
        return MirrorJson.Parse(result.ToJson());
    }

    /// <summary>
    /// Reads a caller's limit, refusing one above the host's ceiling (which names it and the option that sets it) rather
    /// than lowering it in silence; a command that leaves the field out gets the ceiling.
    /// </summary>
    private static long Ceiling(CommandArgs args, string field, long min, long ceiling, string unit, string option)
    {
        var asked = args.OptionalLong(field, min, long.MaxValue);
        if (asked is not { } value)
        {
            return ceiling;
        }

        return value <= ceiling
            ? value
            : throw CommandArgs.BadRequest("query", string.Create(CultureInfo.InvariantCulture, $"The field '{field}' is {value:N0}, above the module's ceiling of {ceiling:N0} {unit} (MirrorModuleOptions.{option}, set by the host). Send at most {ceiling:N0}, or leave the field out to get that."));
    }

    private async Task<JsonElement> GetRecordAsync(CommandArgs args, CancellationToken token)
    {
        var record = await Reader.GetRecordAsync(args.RequiredString("resource"), args.RequiredString("id"), token).ConfigureAwait(false);
        return MirrorJson.ToElement(new { Found = record is not null, Record = record });
    }

    private async Task<JsonElement> ListRecordsAsync(CommandArgs args, CancellationToken token)
    {
        var resource = args.RequiredString("resource");
        var pageSize = (int)(args.OptionalLong("page_size", 1, _options.MaxListPageSize) ?? Math.Min(100, _options.MaxListPageSize));
        var after = args.OptionalString("after");
        var records = new List<MirroredRecord>(pageSize);
        var hasMore = false;
        await foreach (var record in Reader.ListRecordsAsync(resource, Math.Min(pageSize + 1, 100_000), after, token).ConfigureAwait(false))
        {
            if (records.Count == pageSize)
            {
                hasMore = true;
                break;
            }

            records.Add(record);
        }

        return MirrorJson.ToElement(new { Records = records, HasMore = hasMore, NextAfter = hasMore ? records[^1].RecordId : null });
    }

    private async Task<JsonElement> ResourcesAsync(CancellationToken token) =>
        MirrorJson.ToElement(new { Resources = await Reader.ListResourcesAsync(token).ConfigureAwait(false) });

    private async Task<JsonElement> CountsAsync(CancellationToken token) =>
        MirrorJson.ToElement(new { Counts = await Reader.RecordCountsAsync(token).ConfigureAwait(false) });

    private async Task<JsonElement> DescribeAsync(CancellationToken token)
    {
        var description = await Reader.DescribeAsync(token).ConfigureAwait(false);
        return MirrorJson.ToElement(new { Description = description, Markdown = description.ToMarkdown() });
    }

    private async Task<JsonElement> HistoryAsync(CommandArgs args, CancellationToken token)
    {
        var changes = await Reader.GetHistoryAsync(args.RequiredString("resource"), args.RequiredString("id"), token).ConfigureAwait(false);
        return MirrorJson.ToElement(new { Changes = changes });
    }

    private async Task<JsonElement> ChangesSinceAsync(CommandArgs args, CancellationToken token)
    {
        var position = args.OptionalLong("position", 0, long.MaxValue);
        var since = args.OptionalTimestamp("since");
        var resource = args.OptionalString("resource");
        if (resource is not null && string.IsNullOrWhiteSpace(resource))
        {
            throw CommandArgs.BadRequest("changes_since", "The field 'resource' is empty; name a resource (for example \"pets\"), or leave it out for changes to every resource.");
        }

        var limit = args.OptionalLong("limit", 1, 100_000);
        if ((position is null) == (since is null))
        {
            throw CommandArgs.BadRequest("changes_since", "Send exactly one of 'position' (a log position from an earlier answer, 0 for the beginning) or 'since' (an ISO 8601 moment).");
        }

        if (since is not null && limit is not null)
        {
            throw CommandArgs.BadRequest("changes_since", "The field 'limit' applies to 'position' only; drop it, or ask by position.");
        }

        var changes = position is { } from
            ? await Reader.GetChangesAsync(from, resource, (int)(limit ?? 1000), token).ConfigureAwait(false)
            : await Reader.GetChangesAsync(since!.Value, resource, token).ConfigureAwait(false);
        return MirrorJson.ToElement(changes);
    }

    private async Task<JsonElement> ExplainAsync(CommandArgs args, CancellationToken token)
    {
        var explanation = await Reader.ExplainAsync(args.RequiredString("resource"), args.RequiredString("id"), token).ConfigureAwait(false);
        return MirrorJson.ToElement(new { Found = explanation is not null, Explanation = explanation });
    }

    private JsonElement Capabilities() => MirrorJson.ToElement(new
    {
        Module = Info,
        Methods = Methods.Select(m => new { m.Name, m.Fields, m.Summary }).ToList(),
        ErrorCodes,
        MaxConcurrentCommands = _options.MaxConcurrentCommands,
        MaxListPageSize = _options.MaxListPageSize,
        CommandTimeoutMs = _options.CommandTimeout == Timeout.InfiniteTimeSpan ? (long?)null : (long)_options.CommandTimeout.TotalMilliseconds,
        MaxQueryRows = _ceilings.MaxRows,
        MaxQueryBytes = _ceilings.MaxBytes,
        MaxQueryTimeoutMs = _ceilings.TimeoutMs,
        QueryLimitsAboveCeiling = "refused",
        SyncOverlap = "queued",
    });

    private static object Report(SyncReport report) => new
    {
        report.Source,
        report.Succeeded,
        Error = report.Error?.Message,
        report.StartCursor,
        report.FinalCursor,
        report.Pages,
        report.Pulled,
        report.Applied,
        report.Skipped,
        report.Unchanged,
        report.Duplicates,
        report.Missing,
        DurationMs = report.Duration.TotalMilliseconds,
    };
}
