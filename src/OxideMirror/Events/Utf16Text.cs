using System.Globalization;
using System.Text;

namespace OxideMirror;

/// <summary>
/// Finds and shows unpaired UTF-16 surrogates. SQLite keeps text as UTF-8, where an unpaired surrogate cannot be
/// written: it becomes U+FFFD, so two names or ids that differ only there would be stored as the same text.
/// </summary>
internal static class Utf16Text
{
    /// <summary>Returns the position of the first unpaired surrogate in <paramref name="value"/>, or -1 (also for null).</summary>
    public static int FindUnpairedSurrogate(string? value)
    {
        if (value is null)
        {
            return -1;
        }

        var text = value.AsSpan();
        var i = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0)
        {
            return -1;
        }

        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Quotes a value for a message, showing each unpaired surrogate as <c>\uXXXX</c>.</summary>
    public static string Quote(string value)
    {
        var builder = new StringBuilder(value.Length + 8).Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                builder.Append(c).Append(value[++i]);
            }
            else if (char.IsSurrogate(c))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append('"').ToString();
    }

    /// <summary>Describes the problem for a message: the quoted value, where the surrogate is, and what SQLite would do.</summary>
    public static string Describe(string value, int position) => string.Create(
        CultureInfo.InvariantCulture,
        $"({Quote(value)}) holds an unpaired UTF-16 surrogate at position {position}, which SQLite's UTF-8 text cannot hold (it would become U+FFFD, the same text as other values that differ only there)");
}
