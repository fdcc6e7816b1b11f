using System.Security.Cryptography;
using System.Text;

namespace OxideMirror.PostgreSql;

/// <summary>
/// Hands out the log's commit-ordered positions. A page's events are inserted by the last statement of its transaction,
/// which first moves the one row of <c>mirror_log_head</c> on by the page's event count — taking that row's lock, held
/// until the page commits — and numbers the events after the old head in page order; the same statement queues a
/// <c>NOTIFY</c> that PostgreSQL delivers when the page commits. A page waiting for another's tail moves the head that
/// page committed (a read-committed update re-reads the row it waited for), so positions follow commit order and every
/// committed snapshot holds a prefix of them. Only this tail — one multi-row insert and the commit — is serialised
/// between workers; the rest of a page is written concurrently before it, and no event row is written twice.
/// </summary>
internal static class PgLogPositions
{
    /// <summary>
    /// Gets the tail statement: <c>$1</c>–<c>$14</c> the events' columns (arrays in page order, <c>$9</c> now, <c>$10</c>
    /// the strategy), <c>$15</c> their count, <c>$16</c> the notify channel. Applied times follow positions: an event is
    /// never applied earlier than the log's last, across workers whose clocks differ.
    /// </summary>
    public static string InsertEvents(string quotedSchema) =>
        $"WITH head AS (UPDATE {quotedSchema}.mirror_log_head SET position = position + $15, applied_at = greatest(applied_at, $9) RETURNING position - $15 AS base, position, applied_at), " +
        $"logged AS (INSERT INTO {quotedSchema}.mirror_events (resource, record_id, op, payload, merged_payload, source, confidence, occurred_at, applied_at, applied, decision, strategy, delta_id, version, position) " +
        "SELECT u.resource, u.record_id, u.op, u.payload, u.merged_payload, u.source, u.confidence, u.occurred_at, head.applied_at, u.applied, u.decision, $10, u.delta_id, u.version, head.base + u.ord " +
        "FROM head, unnest($1::text[], $2::text[], $3::text[], $4::json[], $5::json[], $6::text[], $7::float8[], $8::timestamptz[], $11::bool[], $12::text[], $13::text[], $14::int8[]) " +
        "WITH ORDINALITY AS u(resource, record_id, op, payload, merged_payload, source, confidence, occurred_at, applied, decision, delta_id, version, ord) ORDER BY u.ord RETURNING 1) " +
        "SELECT pg_notify($16, position::text) FROM head";

    /// <summary>
    /// Gets the channel a mirror's commits are notified on: <c>oxidemirror.</c> and the schema, or a hash of a schema too
    /// long for a channel name (63 bytes).
    /// </summary>
    public static string Channel(string schema)
    {
        var channel = "oxidemirror." + schema;
        return Encoding.UTF8.GetByteCount(channel) <= 63
            ? channel
            : "oxidemirror." + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(schema)))[..40];
    }
}
