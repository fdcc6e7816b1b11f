using System.Globalization;
using System.Text;

namespace OxideMirror.PostgreSql;

/// <summary>
/// Reads an agent's SQL the way PostgreSQL's lexer does — string constants (<c>'…'</c>, <c>E'…'</c>), quoted identifiers,
/// dollar-quoted strings, line and (nested) block comments — to do the two things the query path needs before the
/// server sees it: refuse more than one statement (a <c>;</c> followed by anything but white space and comments), and
/// turn the named parameters the agent passed (<c>@name</c>, <c>:name</c>) into PostgreSQL's positional ones
/// (<c>$1</c>, …). The statement is then sent with positional parameters only, so Npgsql sends it as it is, and the
/// server's own parser (extended protocol: one statement per Parse message) is the second check of "one statement".
/// </summary>
internal static class AgentSql
{
    /// <summary>Rewrites <paramref name="sql"/> for the server; the names bound, in <c>$n</c> order, come back in <paramref name="bound"/>.</summary>
    /// <exception cref="QueryNotReadOnlyException">The SQL holds more than one statement, or none.</exception>
    /// <exception cref="QueryException">The SQL uses <c>@name</c> with no value passed, or holds a NUL character.</exception>
    public static string Rewrite(string sql, IReadOnlyDictionary<string, object?> parameters, List<string> bound)
    {
        if (sql.Contains('\0', StringComparison.Ordinal))
        {
            throw new QueryException("The query holds a NUL character, which PostgreSQL does not accept in SQL text. Remove it.");
        }

        var output = new StringBuilder(sql.Length);
        var positions = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var code = false; // whether a statement has started (anything but white space and comments)
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            var next = i + 1 < sql.Length ? sql[i + 1] : '\0';
            int end;
            if (AfterComment(sql, i) is var afterComment and >= 0)
            {
                output.Append(sql, i, afterComment - i);
                i = afterComment;
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                output.Append(c);
                i++;
                continue;
            }

            if (c == ';')
            {
                if (!OnlyTrivia(sql, i + 1))
                {
                    throw new QueryNotReadOnlyException("The query holds more than one statement. Send exactly one SELECT per call.");
                }

                break; // one trailing ';' is fine: it ends the one statement
            }

            code = true;
            if (c is '\'' || ((c is 'E' or 'e') && next == '\'' && !IdentifierBefore(sql, i)))
            {
                var escapes = c != '\'';
                var start = i;
                i = escapes ? i + 2 : i + 1;
                i = QuotedEnd(sql, i, '\'', escapes);
                output.Append(sql, start, i - start);
                continue;
            }

            if (c == '"')
            {
                var start = i;
                i = QuotedEnd(sql, i + 1, '"', backslashEscapes: false);
                output.Append(sql, start, i - start);
                continue;
            }

            if (c == '$' && DollarTag(sql, i) is { } tag)
            {
                end = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                end = end < 0 ? sql.Length : end + tag.Length;
                output.Append(sql, i, end - i);
                i = end;
                continue;
            }

            if ((c == '@' || (c == ':' && next != ':' && (i == 0 || sql[i - 1] != ':'))) && IsNameStart(next) && !IdentifierBefore(sql, i))
            {
                var nameEnd = i + 1;
                while (nameEnd < sql.Length && IsNamePart(sql[nameEnd]))
                {
                    nameEnd++;
                }

                var name = sql[(i + 1)..nameEnd];
                if (parameters.ContainsKey(name))
                {
                    if (!positions.TryGetValue(name, out var position))
                    {
                        bound.Add(name);
                        position = bound.Count;
                        positions[name] = position;
                    }

                    output.Append(CultureInfo.InvariantCulture, $"${position}");
                    i = nameEnd;
                    continue;
                }

                if (c == '@')
                {
                    throw new QueryException(QueryParameterSet.Missing(sql[i..nameEnd]));
                }
            }

            output.Append(c);
            i++;
        }

        if (!code)
        {
            throw new QueryNotReadOnlyException("The query is empty (only white space or comments). Send one SELECT.");
        }

        return output.ToString();
    }

    /// <summary>Gets the statement's first key word, lower case (<c>select</c>, <c>with</c>, …), skipping comments and parentheses.</summary>
    public static string FirstWord(string sql)
    {
        var i = 0;
        while (i < sql.Length)
        {
            if (char.IsWhiteSpace(sql[i]) || sql[i] == '(')
            {
                i++;
            }
            else if (AfterComment(sql, i) is var next and >= 0)
            {
                i = next;
            }
            else
            {
                break;
            }
        }

        var start = i;
        while (i < sql.Length && char.IsAsciiLetter(sql[i]))
        {
            i++;
        }

        return sql[start..i].ToLowerInvariant();
    }

    private static bool OnlyTrivia(string sql, int from)
    {
        var i = from;
        while (i < sql.Length)
        {
            if (char.IsWhiteSpace(sql[i]) || sql[i] == ';')
            {
                // Empty statements after the one (";;") run nothing, but say nothing good either: refuse them too.
                if (sql[i] == ';')
                {
                    return false;
                }

                i++;
            }
            else if (AfterComment(sql, i) is var next and >= 0)
            {
                i = next;
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Returns the index just past the comment (<c>--</c> to the line's end, or a nested block) at <paramref name="i"/>, or -1 when none starts there.</summary>
    private static int AfterComment(string sql, int i)
    {
        if (sql[i] == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
        {
            var end = sql.IndexOf('\n', i);
            return end < 0 ? sql.Length : end;
        }

        return sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*' ? BlockCommentEnd(sql, i) : -1;
    }

    private static int BlockCommentEnd(string sql, int start)
    {
        var depth = 0;
        var i = start;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && i + 1 < sql.Length && sql[i + 1] == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }

        return sql.Length;
    }

    private static int QuotedEnd(string sql, int i, char quote, bool backslashEscapes)
    {
        while (i < sql.Length)
        {
            if (backslashEscapes && sql[i] == '\\')
            {
                i += 2;
                continue;
            }

            if (sql[i] == quote)
            {
                if (i + 1 < sql.Length && sql[i + 1] == quote)
                {
                    i += 2;
                    continue;
                }

                return i + 1;
            }

            i++;
        }

        return sql.Length;
    }

    /// <summary>Reads a dollar-quote tag (<c>$$</c>, <c>$tag$</c>) at <paramref name="i"/>, or null when the <c>$</c> starts none (<c>$1</c>).</summary>
    private static string? DollarTag(string sql, int i)
    {
        if (IdentifierBefore(sql, i))
        {
            return null; // a '$' inside an identifier (a$b)
        }

        var j = i + 1;
        if (j < sql.Length && char.IsAsciiDigit(sql[j]))
        {
            return null;
        }

        while (j < sql.Length && IsNamePart(sql[j]))
        {
            j++;
        }

        return j < sql.Length && sql[j] == '$' ? sql[i..(j + 1)] : null;
    }

    private static bool IdentifierBefore(string sql, int i) => i > 0 && (IsNamePart(sql[i - 1]) || sql[i - 1] == '$');

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_' || c > 127;

    private static bool IsNamePart(char c) => IsNameStart(c) || char.IsAsciiDigit(c);
}
