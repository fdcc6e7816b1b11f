using System.Collections.Frozen;
using System.Text;
using SQLitePCL;

namespace OxideMirror;

/// <summary>
/// Counts, in a prepared agent query's bytecode, the instructions that can touch a value of any size: compute one,
/// compare or convert one, copy one, read one from a table, or keep one in a sorter or temporary table.
/// <see cref="QueryGuard"/> divides the query's memory budget by this count to get the query's per-value cap, so that
/// straight-line code, which SQLite runs without calling the progress handler, can neither build more than the budget
/// nor read much more than it before the next check.
/// </summary>
/// <remarks>
/// Every instruction counts except those listed in <see cref="Trivial"/>, which jump, open or close cursors, load a
/// number, a NULL or a literal of the SQL text (whose length is capped), move a value without copying it, or look at a
/// value's type: an instruction SQLite adds in a later version counts until it is known to be trivial. Each counted
/// instruction writes at most one value and reads at most a few, each no larger than the cap; a function's arguments
/// each come from an instruction of their own, so a call that copies all of them (<c>concat</c>, <c>json_array</c>)
/// holds at most their total for the length of the call, which is why the guard allows half the budget for the values
/// the count stands for. Everyday agent queries count 2 to 40 (ProgramCostTests). The count is read from the program
/// SQLite compiles at that moment: if a sync adds columns to a resource between the count and the run, SQLite recompiles
/// a <c>SELECT *</c> with the new columns and the count is short by those.
/// </remarks>
internal static class ProgramCost
{
    private static readonly byte[] Explain = "EXPLAIN "u8.ToArray();

    /// <summary>Instructions whose work does not depend on the size of any value.</summary>
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> Trivial = new[]
    {
        // Control flow and coroutines.
        "Init", "Goto", "Gosub", "Return", "InitCoroutine", "EndCoroutine", "Yield", "Halt", "Once", "BeginSubrtn", "Jump",
        "IfPos", "IfNotZero", "DecrJumpZero", "OffsetLimit", "Noop", "Explain",
        // Transactions, cursors and positioning by rowid.
        "Transaction", "TableLock", "ReadCookie", "OpenRead", "OpenEphemeral", "OpenAutoindex", "OpenPseudo", "OpenDup",
        "SorterOpen", "VOpen", "Close", "Rewind", "Last", "Next", "Prev", "SorterNext", "VNext", "NullRow", "IfNullRow",
        "IfEmpty", "SeekRowid", "NotExists", "SeekEnd", "DeferredSeek", "FinishSeek", "CursorHint", "ColumnsUsed", "Count",
        // Loading a number, a NULL, a literal of the SQL text, a rowid or a counter; moving a value or an integer.
        "Integer", "Int64", "Real", "Null", "SoftNull", "String8", "String", "Blob", "Rowid", "IdxRowid", "Sequence", "Move",
        "IntCopy", "AggReset", "CollSeq", "Permutation", "ReleaseReg",
        // Looking at a value's type.
        "IsNull", "NotNull", "IsType",
        // Emitting a row: the runner reads it within the query's byte cap.
        "ResultRow",
    }.ToFrozenSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// Returns how many of the query's instructions can touch a value of any size (at least 1), read with
    /// <c>EXPLAIN</c>, which compiles the statement again without running it. <paramref name="sql"/> must be one
    /// statement that has already prepared on <paramref name="db"/>, and not an <c>EXPLAIN</c> itself.
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
                if (opcode.Length > name.Length || !Trivial.Contains(name[..Encoding.ASCII.GetChars(opcode, name)]))
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
