using System.Security.Cryptography;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace OxideMirror.PostgreSql;

/// <summary>
/// Hands out the log's commit-ordered positions: the write path's one call at the end of a page's transaction. It locks
/// the one row of <c>mirror_log_head</c> (held until the page commits), numbers the page's events after the head in
/// insert order, moves the head, and queues a <c>NOTIFY</c> that PostgreSQL delivers when the page commits. Only this
/// tail is serialised between workers; the page's deltas are written concurrently before it.
/// </summary>
internal static class PgLogPositions
{
    /// <summary>
    /// Positions the page's events (those of this transaction: every committed event has its position already, and other
    /// pages' are invisible until they commit) and notifies the log's channel. A page that logged no event locks nothing.
    /// </summary>
    /// <returns>The head after the page, or <see langword="null"/> when the page logged no event.</returns>
    public static async Task<long?> StampAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string quotedSchema, string channel, CancellationToken cancellationToken)
    {
        // The lock: after waiting for another page's tail, FOR UPDATE reads the head that page committed.
        long head;
        object? lastAppliedAt;
        await using (var command = PgSql.Command(connection, transaction,
            $"SELECT position, applied_at FROM {quotedSchema}.mirror_log_head WHERE EXISTS (SELECT 1 FROM {quotedSchema}.mirror_events WHERE position IS NULL) FOR UPDATE"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            head = reader.GetInt64(0);
            lastAppliedAt = reader.IsDBNull(1) ? DBNull.Value : reader.GetFieldValue<DateTime>(1);
        }

        // Applied times follow positions (never earlier than the log's last), across workers whose clocks differ.
        var moved = await PgSql.ScalarAsync(connection, transaction,
            $"WITH stamped AS (UPDATE {quotedSchema}.mirror_events e SET position = $1 + p.n, applied_at = greatest(e.applied_at, $2) " +
            $"FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM {quotedSchema}.mirror_events WHERE position IS NULL) p " +
            "WHERE e.seq = p.seq RETURNING e.position, e.applied_at), " +
            $"moved AS (UPDATE {quotedSchema}.mirror_log_head h SET position = s.position, applied_at = s.applied_at " +
            "FROM (SELECT max(position) AS position, max(applied_at) AS applied_at FROM stamped) s RETURNING h.position) " +
            "SELECT position FROM moved, pg_notify($3, position::text)",
            cancellationToken,
            head,
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = lastAppliedAt },
            channel).ConfigureAwait(false);
        return Convert.ToInt64(moved, System.Globalization.CultureInfo.InvariantCulture);
    }

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
