using System.Globalization;

namespace OxideMirror.Http;

/// <summary>
/// Says how an <see cref="HttpSource"/> resource walks its pages: a next URL in the body, an RFC 8288 <c>Link</c>
/// header, a cursor token sent back as a parameter, an offset and limit, or a page number. Every paginator also stops
/// on an empty page.
/// </summary>
public sealed class HttpPaginator
{
    private HttpPaginator(HttpPaginatorKind kind, string description)
    {
        Kind = kind;
        Description = description;
    }

    /// <summary>Gets a paginator for endpoints that answer with one page holding every record.</summary>
    public static HttpPaginator None { get; } = new(HttpPaginatorKind.None, "none");

    /// <summary>Gets a paginator that follows the RFC 8288 <c>Link</c> header's <c>rel="next"</c> URL and stops when there is none.</summary>
    public static HttpPaginator LinkHeader { get; } = new(HttpPaginatorKind.LinkHeader, "Link header");

    internal HttpPaginatorKind Kind { get; }

    internal string Description { get; }

    internal string? FieldPath { get; private init; }

    internal string? Parameter { get; private init; }

    internal string? LimitParameter { get; private init; }

    internal int Limit { get; private init; }

    internal int FirstPage { get; private init; }

    internal string? TotalPath { get; private init; }

    /// <summary>Creates a paginator that follows a next-page URL (absolute or relative) found in the body, and stops when it is missing, null or empty.</summary>
    /// <param name="fieldPath">Where the URL is in the body, as dot-separated property names, for example <c>links.next</c>.</param>
    /// <returns>The paginator.</returns>
    /// <exception cref="ArgumentException"><paramref name="fieldPath"/> is empty.</exception>
    public static HttpPaginator NextUrlInBody(string fieldPath = "next")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fieldPath);
        return new(HttpPaginatorKind.NextUrl, $"next URL at '{fieldPath}'") { FieldPath = fieldPath };
    }

    /// <summary>Creates a paginator that reads a cursor token from the body and sends it back as a query parameter, and stops when the token is missing, null or empty.</summary>
    /// <param name="tokenPath">Where the token is in the body, for example <c>meta.next_cursor</c>.</param>
    /// <param name="parameter">The query parameter that carries the token, for example <c>cursor</c>.</param>
    /// <returns>The paginator.</returns>
    /// <exception cref="ArgumentException"><paramref name="tokenPath"/> or <paramref name="parameter"/> is empty.</exception>
    public static HttpPaginator CursorToken(string tokenPath, string parameter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(parameter);
        return new(HttpPaginatorKind.CursorToken, $"cursor token at '{tokenPath}' sent as '{parameter}'") { FieldPath = tokenPath, Parameter = parameter };
    }

    /// <summary>Creates a paginator that sends an offset and a limit, and stops on a short page or when the offset reaches the total.</summary>
    /// <param name="limit">How many records to ask for per page.</param>
    /// <param name="offsetParameter">The query parameter that carries the offset.</param>
    /// <param name="limitParameter">The query parameter that carries the limit.</param>
    /// <param name="totalPath">Where the total record count is in the body, or <see langword="null"/> to stop on a short page only.</param>
    /// <returns>The paginator.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">A parameter name is empty.</exception>
    public static HttpPaginator Offset(int limit, string offsetParameter = "offset", string limitParameter = "limit", string? totalPath = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentException.ThrowIfNullOrWhiteSpace(offsetParameter);
        ArgumentException.ThrowIfNullOrWhiteSpace(limitParameter);
        return new(HttpPaginatorKind.Offset, string.Create(CultureInfo.InvariantCulture, $"offset '{offsetParameter}' and limit '{limitParameter}'={limit}"))
        {
            Parameter = offsetParameter,
            LimitParameter = limitParameter,
            Limit = limit,
            TotalPath = totalPath,
        };
    }

    /// <summary>Creates a paginator that sends a page number, and stops on an empty or short page or when the page number reaches the page count.</summary>
    /// <param name="parameter">The query parameter that carries the page number.</param>
    /// <param name="firstPage">The number of the first page, usually 1 or 0.</param>
    /// <param name="pageSize">How many records to ask for per page, or 0 to leave it to the server (and stop on an empty page or the page count only).</param>
    /// <param name="sizeParameter">The query parameter that carries <paramref name="pageSize"/>.</param>
    /// <param name="totalPagesPath">Where the page count is in the body, or <see langword="null"/>.</param>
    /// <returns>The paginator.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="firstPage"/> or <paramref name="pageSize"/> is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="parameter"/> is empty.</exception>
    public static HttpPaginator PageNumber(string parameter = "page", int firstPage = 1, int pageSize = 0, string sizeParameter = "per_page", string? totalPagesPath = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(parameter);
        ArgumentOutOfRangeException.ThrowIfNegative(firstPage);
        ArgumentOutOfRangeException.ThrowIfNegative(pageSize);
        return new(HttpPaginatorKind.PageNumber, $"page number '{parameter}'")
        {
            Parameter = parameter,
            FirstPage = firstPage,
            Limit = pageSize,
            LimitParameter = sizeParameter,
            TotalPath = totalPagesPath,
        };
    }

    /// <summary>Returns a short description of the paginator, for example <c>next URL at 'links.next'</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => Description;
}
