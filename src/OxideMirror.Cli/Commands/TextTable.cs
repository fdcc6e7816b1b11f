using System.Globalization;
using System.Text;

namespace OxideMirror.Cli.Commands;

/// <summary>
/// Writes rows as a plain-text table: a header, a rule, one line per row, numbers right-aligned. A cell shows at most
/// <see cref="MaxCellWidth"/> characters (longer ones end in <c>…</c>; <c>--json</c> gives them whole), line breaks and
/// tabs as <c>\n</c>, <c>\r</c> and <c>\t</c>, null as nothing, and bytes as <c>x'…'</c> hex.
/// </summary>
internal static class TextTable
{
    public const int MaxCellWidth = 60;

    public static void Write(TextWriter output, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<object?>> rows)
    {
        var cells = rows.Select(r => r.Select(Cell).ToArray()).ToList();
        var numeric = columns.Select((_, i) => cells.Count > 0 && cells.All(r => r[i].Value is null or long or int or double)).ToArray();
        var widths = columns.Select((c, i) => Math.Max(Clip(c).Length, cells.Count == 0 ? 0 : cells.Max(r => r[i].Text.Length))).ToArray();
        var line = new StringBuilder();
        for (var i = 0; i < columns.Count; i++)
        {
            line.Append(i == 0 ? "" : " | ").Append(Clip(columns[i]).PadRight(widths[i]));
        }

        output.WriteLine(line.ToString().TrimEnd());
        output.WriteLine(string.Join("-+-", widths.Select(w => new string('-', w))));
        foreach (var row in cells)
        {
            line.Clear();
            for (var i = 0; i < columns.Count; i++)
            {
                var text = row[i].Text;
                line.Append(i == 0 ? "" : " | ").Append(numeric[i] ? text.PadLeft(widths[i]) : text.PadRight(widths[i]));
            }

            output.WriteLine(line.ToString().TrimEnd());
        }
    }

    private static (object? Value, string Text) Cell(object? value) => (value, value switch
    {
        null => "",
        string s => Clip(s),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        byte[] b => Clip("x'" + Convert.ToHexString(b) + "'"),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Clip(value.ToString() ?? ""),
    });

    private static string Clip(string text)
    {
        if (text.AsSpan().IndexOfAny('\n', '\r', '\t') >= 0)
        {
            text = text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
        }

        return text.Length <= MaxCellWidth ? text : string.Concat(text.AsSpan(0, MaxCellWidth - 1), "…");
    }
}
