using System.Buffers;
using SQLitePCL;

namespace OxideMirror;

/// <summary>
/// Replaces, on a query connection, the built-in string functions whose cost grows with the product of their
/// arguments' lengths: <c>instr(X, Y)</c>, <c>replace(X, Y, Z)</c> and the two-argument <c>trim</c>, <c>ltrim</c> and
/// <c>rtrim</c>. SQLite checks its deadline only between loop iterations, never inside one function call, and these
/// compare Y at every position of X: <c>trim(8 MB, 8 MB)</c> would run for about 40 hours, <c>instr</c> and
/// <c>replace</c> for minutes, none of it interruptible. The replacements return what SQLite's built-ins return
/// (GuardedFunctionsTests compares them on random arguments of every type), refuse a call whose work could pass a fixed
/// bound (well under a second), and fail any call made once the query is past its deadline, cancelled or over its
/// memory budget, which stops straight-line code that calls them. <c>unhex(X, Y)</c>, quadratic the same way, is
/// refused outright; the one-argument forms stay SQLite's own.
/// </summary>
internal static partial class GuardedFunctions
{
    // Byte comparisons one search may need at worst (length of X times length of Y): a few tenths of a second.
    private const long MaxSearchWork = 1L << 32;

    private const int SqliteInterrupt = 9;
    private const int SqliteInnocuous = 0x200000;
    private const int Flags = 1 /* SQLITE_UTF8 */ | 0x800 /* SQLITE_DETERMINISTIC */ | SqliteInnocuous;

    public static void Install(sqlite3 db, QueryGuard guard)
    {
        Register(db, "instr", 2, (ctx, _, args) => Instr(ctx, guard, args));
        Register(db, "replace", 3, (ctx, _, args) => Replace(ctx, guard, args));
        Register(db, "ltrim", 2, (ctx, _, args) => Trim(ctx, guard, args, left: true, right: false));
        Register(db, "rtrim", 2, (ctx, _, args) => Trim(ctx, guard, args, left: false, right: true));
        Register(db, "trim", 2, (ctx, _, args) => Trim(ctx, guard, args, left: true, right: true));
        Register(db, "unhex", 2, static (ctx, _, _) => raw.sqlite3_result_error(
            ctx,
            "unhex(X, Y) is not available in agent queries, because its cost grows with the product of the lengths of X and Y; remove the separators first, for example unhex(replace(X, ' ', ''))"));
    }

    private static void Register(sqlite3 db, string name, int arguments, delegate_function_scalar function)
    {
        var rc = raw.sqlite3_create_function(db, name, arguments, Flags, null, function);
        if (rc != raw.SQLITE_OK)
        {
            throw new MirrorException($"Could not harden the query connection: registering {name}() failed with SQLite error {rc}.");
        }
    }

    /// <summary>SQLite's instrFunc, with the search done by span search instead of a memcmp at every position.</summary>
    private static void Instr(sqlite3_context ctx, QueryGuard guard, sqlite3_value[] args)
    {
        if (Stopped(ctx, guard))
        {
            return;
        }

        var haystackType = raw.sqlite3_value_type(args[0]);
        var needleType = raw.sqlite3_value_type(args[1]);
        if (haystackType == raw.SQLITE_NULL || needleType == raw.SQLITE_NULL)
        {
            raw.sqlite3_result_null(ctx);
            return;
        }

        // Both BLOBs: bytes. Otherwise both are read as text (a BLOB's bytes taken as UTF-8), counting characters.
        var isText = !(haystackType == raw.SQLITE_BLOB && needleType == raw.SQLITE_BLOB);
        var haystack = isText ? Text(args[0]) : raw.sqlite3_value_blob(args[0]);
        var needle = isText ? Text(args[1]) : raw.sqlite3_value_blob(args[1]);
        if (needle.IsEmpty)
        {
            raw.sqlite3_result_int(ctx, 1);
            return;
        }

        if (TooMuchWork(ctx, "instr", haystack.Length, needle.Length))
        {
            return;
        }

        // SQLite tries the needle at byte 0 and then at the start of every following character (in text, a byte that
        // is not a UTF-8 continuation byte); it returns 1 + the number of positions tried before the match, or 0.
        var from = 0;
        while (from <= haystack.Length - needle.Length)
        {
            var found = haystack[from..].IndexOf(needle);
            if (found < 0)
            {
                break;
            }

            var at = from + found;
            if (!isText || at == 0 || !IsContinuation(haystack[at]))
            {
                raw.sqlite3_result_int64(ctx, 1 + (isText ? PositionsBefore(haystack, at) : at));
                return;
            }

            from = at + 1;
        }

        raw.sqlite3_result_int(ctx, 0);
    }

    /// <summary>SQLite's replaceFunc: leftmost, non-overlapping, byte-exact matches, the result as text.</summary>
    private static void Replace(sqlite3_context ctx, QueryGuard guard, sqlite3_value[] args)
    {
        if (StoppedOrNull(ctx, guard, args))
        {
            return;
        }

        var input = Text(args[0]);
        var pattern = Text(args[1]);
        if (pattern.IsEmpty || pattern[0] == 0)
        {
            // SQLite returns the first argument as text, unchanged.
            ResultText(ctx, input);
            return;
        }

        if (raw.sqlite3_value_type(args[2]) == raw.SQLITE_NULL)
        {
            raw.sqlite3_result_null(ctx);
            return;
        }

        var replacement = Text(args[2]);
        if (TooMuchWork(ctx, "replace", input.Length, pattern.Length))
        {
            return;
        }

        var output = new ArrayBufferWriter<byte>(input.Length + 1);
        long length = input.Length;
        var at = 0;
        while (at <= input.Length - pattern.Length)
        {
            var found = input[at..].IndexOf(pattern);
            if (found < 0)
            {
                break;
            }

            length += replacement.Length - pattern.Length;
            if (length > guard.ValueCap)
            {
                raw.sqlite3_result_error_toobig(ctx);
                return;
            }

            output.Write(input.Slice(at, found));
            output.Write(replacement);
            at += found + pattern.Length;
        }

        output.Write(input[at..]);
        ResultText(ctx, output.WrittenSpan);
    }

    /// <summary>Converts a value to UTF-8 text, as sqlite3_value_text does, and returns all its bytes (NULs included).</summary>
    private static ReadOnlySpan<byte> Text(sqlite3_value value)
    {
        raw.sqlite3_value_text(value);

        // sqlite3_value_blob on text returns its bytes with their full length (SQLitePCL's text accessor stops at NUL).
        return raw.sqlite3_value_blob(value);
    }

    /// <summary>Returns text; an empty span would reach SQLite as a null pointer, which SQLite takes for NULL.</summary>
    private static void ResultText(sqlite3_context ctx, ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty)
        {
            raw.sqlite3_result_text(ctx, string.Empty);
        }
        else
        {
            raw.sqlite3_result_text(ctx, text);
        }
    }

    private static bool IsContinuation(byte b) => (b & 0xC0) == 0x80;

    /// <summary>Counts the positions SQLite tries before byte <paramref name="at"/>: byte 0, then every character start.</summary>
    private static long PositionsBefore(ReadOnlySpan<byte> text, int at)
    {
        if (at == 0)
        {
            return 0;
        }

        long positions = 1;
        for (var i = 1; i < at; i++)
        {
            if (!IsContinuation(text[i]))
            {
                positions++;
            }
        }

        return positions;
    }

    private static bool TooMuchWork(sqlite3_context ctx, string function, int length, int searchLength)
    {
        if ((long)length * searchLength <= MaxSearchWork)
        {
            return false;
        }

        raw.sqlite3_result_error(ctx, $"{function}() would compare too many bytes ({length} bytes searched for a {searchLength}-byte value); search for a shorter value or in a shorter one");
        return true;
    }

    /// <summary>Fails the call when the query is past its deadline, cancelled or over its memory budget.</summary>
    /// <summary>Answers the call when the query was stopped, or with NULL when either of the first two arguments is NULL, as SQLite's own function does.</summary>
    private static bool StoppedOrNull(sqlite3_context ctx, QueryGuard guard, sqlite3_value[] args)
    {
        if (Stopped(ctx, guard))
        {
            return true;
        }

        if (raw.sqlite3_value_type(args[0]) == raw.SQLITE_NULL || raw.sqlite3_value_type(args[1]) == raw.SQLITE_NULL)
        {
            raw.sqlite3_result_null(ctx);
            return true;
        }

        return false;
    }

    private static bool Stopped(sqlite3_context ctx, QueryGuard guard)
    {
        if (!guard.Exceeded())
        {
            return false;
        }

        raw.sqlite3_result_error(ctx, "interrupted");
        raw.sqlite3_result_error_code(ctx, SqliteInterrupt);
        return true;
    }
}
