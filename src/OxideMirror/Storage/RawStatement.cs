using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace OxideMirror;

/// <summary>
/// A statement on the writer connection prepared once (persistent) and reused for every delta: bind, step, reset.
/// The apply path uses these instead of <see cref="SqliteCommand"/> because Microsoft.Data.Sqlite's per-execution work
/// (parameter type inference, statement bookkeeping) costs as much as SQLite's own work for small rows. The statements
/// run inside the transaction the store opened through Microsoft.Data.Sqlite on the same connection.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private const uint PreparePersistent = 0x01;
    private const int Row = 100;
    private const int Done = 101;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle!;
        var rc = raw.sqlite3_prepare_v3(_db, sql, PreparePersistent, out _statement);
        SqliteException.ThrowExceptionForRC(rc, _db);
    }

    /// <summary>Gets the rowid of the connection's most recent successful insert (the new event's <c>seq</c> right after an event insert).</summary>
    public long LastInsertRowId => raw.sqlite3_last_insert_rowid(_db);

    public void Text(int index, string? value)
    {
        var rc = value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_text(_statement, index, value);
        Check(rc);
    }

    public void Utf8(int index, ReadOnlySpan<byte> value) => Check(raw.sqlite3_bind_text(_statement, index, value));

    public void Integer(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void Real(int index, double value) => Check(raw.sqlite3_bind_double(_statement, index, value));

    public void Null(int index) => Check(raw.sqlite3_bind_null(_statement, index));

    /// <summary>Binds a value of one of SQLite's storage types: null, long, double or string.</summary>
    public void Value(int index, object? value)
    {
        switch (value)
        {
            case null:
                Null(index);
                break;
            case long l:
                Integer(index, l);
                break;
            case double d:
                Real(index, d);
                break;
            default:
                Text(index, (string)value);
                break;
        }
    }

    /// <summary>Runs a statement that returns no rows, then resets it.</summary>
    public void Execute()
    {
        try
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc is not (Done or Row))
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Steps to the first row; the caller reads columns, then calls <see cref="Reset"/>.</summary>
    public bool Step()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc == Row)
        {
            return true;
        }

        if (rc != Done)
        {
            raw.sqlite3_reset(_statement);
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        return false;
    }

    public void Reset() => raw.sqlite3_reset(_statement);

    public bool IsNull(int column) => raw.sqlite3_column_type(_statement, column) == raw.SQLITE_NULL;

    public string GetText(int column) => raw.sqlite3_column_text(_statement, column).utf8_to_string();

    /// <summary>Copies a text column's UTF-8 bytes, without decoding them.</summary>
    public byte[] GetUtf8(int column) => raw.sqlite3_column_blob(_statement, column).ToArray();

    public long GetInteger(int column) => raw.sqlite3_column_int64(_statement, column);

    public double GetReal(int column) => raw.sqlite3_column_double(_statement, column);

    public void Dispose() => _statement.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
