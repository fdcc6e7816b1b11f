using System.Collections.Frozen;
using System.Text;
using SQLitePCL;

namespace OxideMirror;

/// <summary>
/// Counts, in a prepared agent query's bytecode, the instructions that can put a value of any size in memory: compute
/// one, copy one, read one from a table, or keep one in a sorter or temporary table. <see cref="QueryGuard"/> divides
/// the query's memory budget by this count to get the query's per-value cap, so that straight-line code, which SQLite
/// runs without calling the progress handler, cannot build more than the budget before the next check.
/// </summary>
/// <remarks>
/// The count bounds how many such values one pass over the program can hold at once: each of these instructions writes
/// at most one value, and every other instruction writes a small one (a number, a flag), moves one, or points at a
/// literal of the SQL text, whose length is capped. A function's arguments each come from an instruction of their own,
/// so a call that copies all of them (<c>concat</c>, <c>json_array</c>) adds at most their total for the length of the
/// call, which is why the guard allows half the budget for the values the count stands for. Everyday agent queries
/// count 2 to 30 (ProgramCostTests), <c>SELECT *</c> over a join of wide resources a few hundred.
/// </remarks>
internal static class ProgramCost
{
    private static readonly byte[] Explain = "EXPLAIN "u8.ToArray();

    /// <summary>Instructions that can each leave one value of any size in a register, a sorter or a temporary table.</summary>
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> Materialising = new[]
    {
        // Compute a value.
        "Function", "PureFunc", "Concat", "Cast", "AggFinal", "AggValue", "AggStep", "AggStep1", "AggInverse",
        // Copy one (SCopy and Variable share the source's buffer, but a function given the copy may duplicate it).
        "Copy", "SCopy", "Variable",
        // Read one: a column, a whole row, or a virtual table's column (json_each).
        "Column", "RowData", "SorterData", "VColumn",
        // Keep one: a record built from registers, then stored in a sorter, an index or a temporary table.
        "MakeRecord", "SorterInsert", "IdxInsert", "Insert",
    }.ToFrozenSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// Returns the query's count of value-materialising instructions (at least 1), read with <c>EXPLAIN</c>, which
    /// compiles the statement again without running it. <paramref name="sql"/> must be one statement that has already
    /// prepared on <paramref name="db"/>, which is not an <c>EXPLAIN</c> itself.
    /// </summary>
    public static int Measure(sqlite3 db, ReadOnlySpan<byte> sql)
    {
        var text = new byte[Explain.Length + sql.Length];
        Explain.CopyTo(text, 0);
        sql.CopyTo(text.AsSpan(Explain.Length));

        // The prefix must not push a statement that was just within the SQL length limit over it.
        var sqlLimit = raw.sqlite3_limit(db, raw.SQLITE_LIMIT_SQL_LENGTH, -1);
        raw.sqlite3_limit(db, raw.SQLITE_LIMIT_SQL_LENGTH, sqlLimit + Explain.Length);
        sqlite3_stmt? program = null;
        try
        {
            var rc = raw.sqlite3_prepare_v2(db, text, out program, out _);
            if (rc != raw.SQLITE_OK || program is null || program.IsInvalid)
            {
                throw new MirrorException($"Could not read the bytecode of a query that had prepared (SQLite error {rc}: {raw.sqlite3_errmsg(db).utf8_to_string()}).");
            }

            var count = 0;
            Span<char> name = stackalloc char[24];
            while ((rc = raw.sqlite3_step(program)) == raw.SQLITE_ROW)
            {
                var opcode = raw.sqlite3_column_blob(program, 1);
                if (opcode.Length <= name.Length && Materialising.Contains(name[..Encoding.ASCII.GetChars(opcode, name)]))
                {
                    count++;
                }
            }

            if (rc != raw.SQLITE_DONE)
            {
                throw new MirrorException($"Could not read the bytecode of a query that had prepared (SQLite error {rc}: {raw.sqlite3_errmsg(db).utf8_to_string()}).");
            }

            return Math.Max(count, 1);
        }
        finally
        {
            program?.Dispose();
            raw.sqlite3_limit(db, raw.SQLITE_LIMIT_SQL_LENGTH, sqlLimit);
        }
    }
}
