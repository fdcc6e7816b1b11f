namespace OxideMirror.Http;

/// <summary>Reads the <c>rel="next"</c> target of an RFC 8288 <c>Link</c> header.</summary>
internal static class LinkHeaderParser
{
    public static string? FindNext(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        foreach (var part in Split(header))
        {
            var open = part.IndexOf('<', StringComparison.Ordinal);
            var close = part.IndexOf('>', StringComparison.Ordinal);
            if (open < 0 || close < open)
            {
                continue;
            }

            foreach (var param in part[(close + 1)..].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = param.IndexOf('=', StringComparison.Ordinal);
                if (eq < 0 || !param[..eq].Trim().Equals("rel", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var rels = param[(eq + 1)..].Trim().Trim('"').Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (rels.Any(r => r.Equals("next", StringComparison.OrdinalIgnoreCase)))
                {
                    return part[(open + 1)..close].Trim();
                }
            }
        }

        return null;
    }

    /// <summary>Splits link-values on commas outside angle brackets and quotes.</summary>
    private static IEnumerable<string> Split(string header)
    {
        var start = 0;
        var inUri = false;
        var inQuote = false;
        for (var i = 0; i < header.Length; i++)
        {
            switch (header[i])
            {
                case '<' when !inQuote:
                    inUri = true;
                    break;
                case '>' when !inQuote:
                    inUri = false;
                    break;
                case '"' when !inUri:
                    inQuote = !inQuote;
                    break;
                case ',' when !inUri && !inQuote:
                    yield return header[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return header[start..];
    }
}
