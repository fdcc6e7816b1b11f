using Npgsql;
using NpgsqlTypes;

namespace OxideMirror.PostgreSql;

/// <summary>Makes the array parameters the write path's multi-row statements (<c>unnest($1::text[], …)</c>) take.</summary>
internal static class PgArrays
{
    public static NpgsqlParameter Text(IEnumerable<string?> values) => new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = values.ToArray() };

    public static NpgsqlParameter Json(List<string?> values) => new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Json, Value = values.ToArray() };

    public static NpgsqlParameter Double(List<double> values) => new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double, Value = values.ToArray() };

    public static NpgsqlParameter Bigint(List<long> values) => new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, Value = values.ToArray() };

    public static NpgsqlParameter Boolean(List<bool> values) => new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Boolean, Value = values.ToArray() };

    /// <summary>Times as UTC <see cref="DateTime"/>s, the kind Npgsql writes to <c>timestamptz</c>.</summary>
    public static NpgsqlParameter Times(List<DateTime> values) => new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, Value = values.ToArray() };
}
