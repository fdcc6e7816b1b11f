using System.Data;
using Dapper;
using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// Hands Dapper the values <see cref="QueryParameters"/> bound for a statement's SQL parameters, under the exact names
/// SQLite reports (<c>@a</c>, <c>:a</c>, <c>$a</c>), so that the typed query path binds by the same rule as the untyped one.
/// </summary>
internal sealed class BoundParameters : SqlMapper.IDynamicParameters
{
    private readonly List<(string Name, object? Value)> _values = [];

    /// <summary>Binds every SQL parameter of <paramref name="statement"/> from <paramref name="parameters"/>.</summary>
    /// <exception cref="QueryException">A parameter is positional, or no value was passed for it.</exception>
    /// <exception cref="ArgumentException">A value cannot be bound.</exception>
    public BoundParameters(SQLitePCL.sqlite3_stmt statement, Dictionary<string, object?> parameters)
    {
        var count = SQLitePCL.raw.sqlite3_bind_parameter_count(statement);
        for (var i = 1; i <= count; i++)
        {
            var name = SQLitePCL.raw.sqlite3_bind_parameter_name(statement, i).utf8_to_string();
            _values.Add((name, QueryParameters.ValueFor(name, i, parameters)));
        }
    }

    /// <inheritdoc />
    public void AddParameters(IDbCommand command, SqlMapper.Identity identity)
    {
        foreach (var (name, value) in _values)
        {
            command.Parameters.Add(new SqliteParameter(name, value ?? DBNull.Value));
        }
    }
}
