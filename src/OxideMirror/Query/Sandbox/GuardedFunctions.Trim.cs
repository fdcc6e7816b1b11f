using System.Text;
using SQLitePCL;

namespace OxideMirror;

/// <summary>The two-argument <c>trim</c>, <c>ltrim</c> and <c>rtrim</c> of the query connection.</summary>
internal static partial class GuardedFunctions
{
    // Character comparisons one trim call may make: a few tenths of a second.
    private const long MaxTrimWork = 1L << 24;

    /// <summary>SQLite's trimFunc with a character set: removes, from either end, any character that occurs in Y.</summary>
    private static void Trim(sqlite3_context ctx, QueryGuard guard, sqlite3_value[] args, bool left, bool right)
    {
        if (StoppedOrNull(ctx, guard, args))
        {
            return;
        }

        var input = Text(args[0]);
        var set = Text(args[1]);
        var nul = set.IndexOf((byte)0);
        if (nul >= 0)
        {
            set = set[..nul];
        }

        // The characters of Y as SQLite splits them (SQLITE_SKIP_UTF8: a byte of 0xC0 or more takes every continuation
        // byte after it). SQLite removes the first character of Y, in Y's order, that matches; only characters whose
        // first (or, trimming the right, last) byte is the byte at hand can match, so they are kept in lists by that
        // byte, in Y's order, without repeats.
        var byFirst = new List<Range>?[256];
        var byLast = new List<Range>?[256];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < set.Length;)
        {
            var start = i++;
            if (set[start] >= 0xC0)
            {
                while (i < set.Length && IsContinuation(set[i]))
                {
                    i++;
                }
            }

            if (seen.Add(Encoding.Latin1.GetString(set[start..i])))
            {
                (byFirst[set[start]] ??= []).Add(start..i);
                (byLast[set[i - 1]] ??= []).Add(start..i);
            }
        }

        var begin = 0;
        var end = input.Length;
        long work = 0;
        while (left && begin < end)
        {
            var matched = Match(set, byFirst[input[begin]], input[begin..end], atEnd: false, ref work);
            if (matched == 0)
            {
                break;
            }

            begin += matched;
        }

        while (right && begin < end)
        {
            var matched = Match(set, byLast[input[end - 1]], input[begin..end], atEnd: true, ref work);
            if (matched == 0)
            {
                break;
            }

            end -= matched;
        }

        if (work > MaxTrimWork)
        {
            raw.sqlite3_result_error(ctx, $"{(left && right ? "trim" : left ? "ltrim" : "rtrim")}(X, Y) would compare too many characters ({input.Length} bytes of X, {seen.Count} distinct characters in Y); use a shorter Y or a shorter X");
            return;
        }

        ResultText(ctx, input[begin..end]);
    }

    private static int Match(ReadOnlySpan<byte> set, List<Range>? candidates, ReadOnlySpan<byte> input, bool atEnd, ref long work)
    {
        if (candidates is null)
        {
            return 0;
        }

        foreach (var candidate in candidates)
        {
            if (++work > MaxTrimWork)
            {
                return 0;
            }

            var character = set[candidate];
            if (character.Length <= input.Length && (atEnd ? input[^character.Length..] : input[..character.Length]).SequenceEqual(character))
            {
                return character.Length;
            }
        }

        return 0;
    }
}
