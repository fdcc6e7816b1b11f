namespace OxideMirror.Tests;

/// <summary>Reads the store's internal tables back through the public read-only query path.</summary>
internal static class MirrorTables
{
    private static readonly QueryOptions Unbounded = new() { MaxRows = 1_000_000 };

    /// <summary>Reads <c>mirror_events</c> in log order, optionally for one record.</summary>
    public static async Task<IReadOnlyList<EventRow>> EventsAsync(MirrorStore store, string? resource = null, string? recordId = null)
    {
        var result = await store.QueryAsync(
            "SELECT seq, resource, record_id, op, payload, merged_payload, source, confidence, occurred_at, applied_at, applied, decision, strategy, delta_id, version " +
            "FROM mirror_events WHERE (@resource IS NULL OR resource = @resource) AND (@recordId IS NULL OR record_id = @recordId) ORDER BY seq",
            new { resource, recordId },
            Unbounded,
            CancellationToken.None);
        result.Truncated.Should().BeFalse();
        return result.Rows.Select(r => new EventRow(
            (long)r["seq"]!,
            (string)r["resource"]!,
            (string)r["record_id"]!,
            (string)r["op"]!,
            (string?)r["payload"],
            (string?)r["merged_payload"],
            (string)r["source"]!,
            Convert.ToDouble(r["confidence"], System.Globalization.CultureInfo.InvariantCulture),
            (string)r["occurred_at"]!,
            (string)r["applied_at"]!,
            (long)r["applied"]! == 1,
            (string)r["decision"]!,
            (string)r["strategy"]!,
            (string?)r["delta_id"],
            (long)r["version"]!)).ToList();
    }

    /// <summary>Reads the record ids of a resource's live records, in id order.</summary>
    public static async Task<IReadOnlyList<string>> LiveRecordIdsAsync(MirrorStore store, string resource)
    {
        var result = await store.QueryAsync(
            "SELECT record_id FROM mirror_records WHERE resource = @resource AND deleted_at IS NULL ORDER BY record_id",
            new { resource },
            Unbounded,
            CancellationToken.None);
        return result.Rows.Select(r => (string)r["record_id"]!).ToList();
    }
}
