namespace OxideMirror.Http;

/// <summary>Names how an <see cref="HttpPaginator"/> finds the next page.</summary>
internal enum HttpPaginatorKind
{
    None = 0,
    NextUrl = 1,
    LinkHeader = 2,
    CursorToken = 3,
    Offset = 4,
    PageNumber = 5,
}
