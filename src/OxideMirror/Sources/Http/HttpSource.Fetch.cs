using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace OxideMirror.Http;

/// <summary>Builds page requests and turns responses into deltas.</summary>
public sealed partial class HttpSource
{
    private async Task<FetchedPage> FetchPageAsync(HttpResourceOptions resource, HttpCursor.ResourceState rs, CancellationToken cancellationToken)
    {
        var uri = BuildUri(resource, rs);
        var (raw, link, status, charSet, landed) = await SendAsync(resource, uri, cancellationToken).ConfigureAwait(false);
        if (status == HttpStatusCode.NoContent)
        {
            // 204 No Content: nothing to list, like an empty array.
            HttpLog.PageFetched(_logger, Id, resource.Name, rs.Page, 0, (int)status);
            return new FetchedPage([], null);
        }

        var body = ToUtf8(resource, uri, status, raw, charSet);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            var start = body.Length == 0 ? "it is empty" : $"it starts with '{Preview(body.Span)}'";
            throw new HttpSourceException(Id, resource.Name, status, $"HTTP source '{Id}' got a body from {Describe(uri)} for resource '{resource.Name}' that is not valid JSON ({ex.Message}); {start}. Check the endpoint's Path; nothing of this page was applied.", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (!JsonPath.TryFind(root, resource.RecordsPath, out var records, out var problem))
            {
                throw new HttpSourceException(Id, resource.Name, status, $"HTTP source '{Id}' found no records at RecordsPath '{resource.RecordsPath}' in the response from {Describe(uri)}: {problem}. Set RecordsPath of resource '{resource.Name}' to where the array is; nothing of this page was applied.");
            }

            if (records.ValueKind != JsonValueKind.Array)
            {
                var where = string.IsNullOrEmpty(resource.RecordsPath) ? "the body" : $"'{resource.RecordsPath}'";
                throw new HttpSourceException(Id, resource.Name, status, $"HTTP source '{Id}' expected an array of records at {where} in the response from {Describe(uri)}, but found {JsonPath.Describe(records)}. Set RecordsPath of resource '{resource.Name}' to where the array is; nothing of this page was applied.");
            }

            var deltas = new List<Delta>(records.GetArrayLength());
            var fetchedAt = _time.GetUtcNow();
            var index = 0;
            foreach (var record in records.EnumerateArray())
            {
                deltas.Add(ToDelta(resource, rs, record, index++, fetchedAt));
            }

            HttpLog.PageFetched(_logger, Id, resource.Name, rs.Page, deltas.Count, (int)status);
            // A relative next link is relative to the page as served, after any redirect.
            var next = deltas.Count == 0 ? null : NextPage(resource, rs, root, link, landed, deltas.Count);
            CheckProgress(resource, rs, uri, deltas, next);
            return new FetchedPage(deltas, next);
        }
    }

    private Delta ToDelta(HttpResourceOptions resource, HttpCursor.ResourceState rs, JsonElement record, int index, DateTimeOffset fetchedAt)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            throw Bad(resource, $"Record {index} of the page is {JsonPath.Describe(record)}, not a JSON object. Point RecordsPath at an array of objects");
        }

        if (!record.TryGetProperty(resource.IdField, out var idElement) || idElement.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
        {
            throw Bad(resource, $"Record {index} of the page has no string or number '{resource.IdField}' field ({JsonPath.Describe(record)}). Set IdField to the field that holds the record's id");
        }

        var id = idElement.ValueKind == JsonValueKind.String ? idElement.GetString()! : NumberId(idElement);
        if (id.Length == 0)
        {
            throw Bad(resource, $"Record {index} of the page has an empty '{resource.IdField}' (\"\"), and every record needs an id. Set IdField to the field that holds the record's id");
        }

        var occurredAt = fetchedAt;
        if (resource.EventTimeField is { } timeField)
        {
            if (!record.TryGetProperty(timeField, out var timeElement) || !TryReadTime(timeElement, out occurredAt))
            {
                throw Bad(resource, $"Record '{Truncate(id)}' has no readable '{timeField}' field (an ISO 8601 string or Unix seconds). Set EventTimeField to the record's last-changed field, or to null");
            }

            if (rs.HighWater is null || occurredAt > rs.HighWater)
            {
                rs.HighWater = occurredAt;
            }
        }

        return new Delta
        {
            Resource = resource.Name,
            RecordId = id,
            Op = DeltaOp.Upsert,
            Payload = record.Clone(),
            OccurredAt = occurredAt,
            Provenance = new Provenance(Id),
        };
    }

    /// <summary>
    /// Reads where the next page is: a string or number, or nothing (a missing field, null, an empty string or false)
    /// when this was the last page. Anything else fails the page, so that a changed response shape does not end the
    /// pass early and quietly.
    /// </summary>
    private string? NextField(HttpResourceOptions resource, JsonElement root, string path, string what)
    {
        if (JsonPath.TryFind(root, path, out var element, out _)
            && element.ValueKind is JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.True)
        {
            throw Bad(resource, $"the {what} at '{path}' is {JsonPath.Describe(element)}, not a string. Point the paginator's path at the field that holds it");
        }

        return JsonPath.ReadText(root, path);
    }

    /// <summary>
    /// Writes a number id the same way however the server wrote it: a whole number (<c>42</c>, <c>42.0</c>, <c>4.2e1</c>)
    /// as its digits, anything else as the server sent it. Otherwise one record would become two when a server's
    /// serialiser changed.
    /// </summary>
    private static string NumberId(JsonElement element)
    {
        if (element.TryGetInt64(out var whole))
        {
            return whole.ToString(CultureInfo.InvariantCulture);
        }

        if (element.TryGetDecimal(out var number) && number == decimal.Truncate(number))
        {
            return decimal.Truncate(number).ToString(CultureInfo.InvariantCulture);
        }

        return element.GetRawText();
    }

    private HttpSourceException Bad(HttpResourceOptions resource, string problem) =>
        new(Id, resource.Name, null, $"HTTP source '{Id}', resource '{resource.Name}': {problem}; nothing of this page was applied.");

    private static bool TryReadTime(JsonElement element, out DateTimeOffset time)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return DateTimeOffset.TryParse(element.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
            case JsonValueKind.Number when element.TryGetInt64(out var seconds) && seconds is >= 0 and < 253_402_300_800:
                time = DateTimeOffset.FromUnixTimeSeconds(seconds);
                return true;
            default:
                time = default;
                return false;
        }
    }

    private Uri BuildUri(HttpResourceOptions resource, HttpCursor.ResourceState rs)
    {
        var paginator = resource.Paginator;
        if (rs.Next is { } position && !CanRead(paginator, position))
        {
            throw new HttpSourceException(Id, resource.Name, null, $"HTTP source '{Id}': the cursor holds the position '{Truncate(position)}' for resource '{resource.Name}', which its paginator ({paginator}) cannot read, most likely because the resource's Paginator changed since the cursor was stored. Start the source over with store.SetCursorAsync(\"{Id}\", null); nothing was requested or applied.");
        }

        if (rs.Next is not null && paginator.Kind is HttpPaginatorKind.NextUrl or HttpPaginatorKind.LinkHeader)
        {
            return new Uri(rs.Next, UriKind.Absolute);
        }

        var query = new List<KeyValuePair<string, string>>(resource.Query);
        if (resource.SinceParameter is not null && rs.Since is { } since)
        {
            query.Add(new(resource.SinceParameter, FormatSince(resource, since)));
        }

        switch (paginator.Kind)
        {
            case HttpPaginatorKind.CursorToken when rs.Next is not null:
                query.Add(new(paginator.Parameter!, rs.Next));
                break;
            case HttpPaginatorKind.Offset:
                query.Add(new(paginator.Parameter!, rs.Next ?? "0"));
                query.Add(new(paginator.LimitParameter!, paginator.Limit.ToString(CultureInfo.InvariantCulture)));
                break;
            case HttpPaginatorKind.PageNumber:
                query.Add(new(paginator.Parameter!, rs.Next ?? paginator.FirstPage.ToString(CultureInfo.InvariantCulture)));
                if (paginator.Limit > 0)
                {
                    query.Add(new(paginator.LimitParameter!, paginator.Limit.ToString(CultureInfo.InvariantCulture)));
                }

                break;
        }

        var baseUri = BaseAddress is null ? new Uri(resource.Path, UriKind.Absolute) : new Uri(BaseAddress, resource.Path);
        if (query.Count == 0)
        {
            return baseUri;
        }

        var text = new StringBuilder(baseUri.GetLeftPart(UriPartial.Path));
        var separator = string.IsNullOrEmpty(baseUri.Query) ? '?' : '&';
        if (!string.IsNullOrEmpty(baseUri.Query))
        {
            text.Append(baseUri.Query);
        }

        foreach (var (key, value) in query)
        {
            text.Append(separator).Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }

        return new Uri(text.ToString(), UriKind.Absolute);
    }

    /// <summary>Says whether a stored next-page position is of the kind the paginator writes: a URL, or a whole number.</summary>
    private static bool CanRead(HttpPaginator paginator, string position) => paginator.Kind switch
    {
        HttpPaginatorKind.NextUrl or HttpPaginatorKind.LinkHeader =>
            Uri.TryCreate(position, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps),
        HttpPaginatorKind.Offset or HttpPaginatorKind.PageNumber =>
            long.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out _),
        _ => true,
    };

    private string? NextPage(HttpResourceOptions resource, HttpCursor.ResourceState rs, JsonElement root, string? link, Uri requested, int count)
    {
        var paginator = resource.Paginator;
        switch (paginator.Kind)
        {
            case HttpPaginatorKind.NextUrl:
                var next = NextField(resource, root, paginator.FieldPath!, "next-page link");
                return next is null ? null : FollowLink(resource, requested, next);
            case HttpPaginatorKind.LinkHeader:
                var target = LinkHeaderParser.FindNext(link);
                return target is null ? null : FollowLink(resource, requested, target);
            case HttpPaginatorKind.CursorToken:
                return NextField(resource, root, paginator.FieldPath!, "cursor token");
            case HttpPaginatorKind.Offset:
                var offset = rs.Next is null ? 0 : long.Parse(rs.Next, CultureInfo.InvariantCulture);
                var after = offset + count;
                if (count < paginator.Limit || (paginator.TotalPath is not null && JsonPath.ReadInt64(root, paginator.TotalPath) is { } total && after >= total))
                {
                    return null;
                }

                return after.ToString(CultureInfo.InvariantCulture);
            case HttpPaginatorKind.PageNumber:
                var number = rs.Next is null ? paginator.FirstPage : long.Parse(rs.Next, CultureInfo.InvariantCulture);
                if ((paginator.Limit > 0 && count < paginator.Limit)
                    || (paginator.TotalPath is not null && JsonPath.ReadInt64(root, paginator.TotalPath) is { } pages && number - paginator.FirstPage + 1 >= pages))
                {
                    return null;
                }

                return (number + 1).ToString(CultureInfo.InvariantCulture);
            default:
                return null;
        }
    }

    /// <summary>
    /// Resolves a next-page link against the request it came with, and refuses one that is not a URL, not http(s), or
    /// on another scheme, host or port: every request carries the source's credentials, so a link must not send them
    /// anywhere the source was not configured for.
    /// </summary>
    private string FollowLink(HttpResourceOptions resource, Uri requested, string link)
    {
        var what = $"The next-page link ({resource.Paginator}) of the page from {Describe(requested)}";
        if (!Uri.TryCreate(requested, link, out var target))
        {
            throw Bad(resource, $"{what} is '{Truncate(link)}', which is not a URL. Check the resource's Paginator");
        }

        if (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps)
        {
            throw Bad(resource, $"{what} is '{Truncate(link)}', whose scheme '{target.Scheme}' is not http or https. Check the resource's Paginator");
        }

        if (Uri.Compare(target, requested, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) != 0)
        {
            throw Bad(resource, $"{what} points to another host, {target.GetLeftPart(UriPartial.Path)}, than the one requested ({requested.GetLeftPart(UriPartial.Authority)}). The source sends its credentials with every request, so it follows next-page links only on the scheme, host and port of the page that gave them");
        }

        return target.AbsoluteUri;
    }

    /// <summary>Cuts a value from a response to a length fit for a message.</summary>
    private static string Truncate(string text) => text.Length <= 100 ? text : text[..100] + "…";

    /// <summary>Describes a request for messages: the method and the URL without its query (which may hold secrets).</summary>
    private static string Describe(Uri uri) => "GET " + uri.GetLeftPart(UriPartial.Path);

    private static string Preview(ReadOnlySpan<byte> body)
    {
        var text = Encoding.UTF8.GetString(body[..Math.Min(body.Length, 60)]).ReplaceLineEndings(" ");
        return body.Length > 60 ? text + "…" : text;
    }

    /// <summary>
    /// Returns the body as UTF-8 without a byte order mark: a UTF-8, UTF-16 or UTF-32 BOM decides the encoding, then the
    /// Content-Type charset; a body left as UTF-8 must be valid UTF-8.
    /// </summary>
    private ReadOnlyMemory<byte> ToUtf8(HttpResourceOptions resource, Uri uri, HttpStatusCode status, ReadOnlyMemory<byte> body, string? charSet)
    {
        var span = body.Span;
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return ValidUtf8(resource, uri, status, body[3..], charSet);
        }

        var encoding = span.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE, 0, 0]) ? new UTF32Encoding(bigEndian: false, byteOrderMark: true)
            : span.StartsWith((ReadOnlySpan<byte>)[0, 0, 0xFE, 0xFF]) ? new UTF32Encoding(bigEndian: true, byteOrderMark: true)
            : span.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) ? Encoding.Unicode
            : span.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) ? Encoding.BigEndianUnicode
            : FindEncoding(charSet);
        if (encoding is null || encoding.CodePage == Encoding.UTF8.CodePage)
        {
            return ValidUtf8(resource, uri, status, body, charSet);
        }

        var preamble = encoding.Preamble;
        var text = encoding.GetString(span.StartsWith(preamble) ? span[preamble.Length..] : span);
        return Encoding.UTF8.GetBytes(text);
    }

    private ReadOnlyMemory<byte> ValidUtf8(HttpResourceOptions resource, Uri uri, HttpStatusCode status, ReadOnlyMemory<byte> body, string? charSet)
    {
        if (System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            return body;
        }

        var span = body.Span;
        var offset = 0;
        while (Rune.DecodeFromUtf8(span[offset..], out _, out var consumed) == System.Buffers.OperationStatus.Done)
        {
            offset += consumed;
        }

        var declared = charSet is null ? "its Content-Type names no charset"
            : FindEncoding(charSet) is null ? $"its Content-Type names charset '{Truncate(charSet)}', which .NET does not know"
            : $"its Content-Type says charset '{charSet}'";
        throw new HttpSourceException(Id, resource.Name, status, string.Create(CultureInfo.InvariantCulture, $"HTTP source '{Id}' got a body from {Describe(uri)} for resource '{resource.Name}' that is not valid UTF-8 (byte 0x{span[offset]:X2} at offset {offset}), and {declared}; it starts with '{Preview(span)}'. JSON must be UTF-8 unless the response names its charset; ask the API's owner to send UTF-8 or a charset, or wrap the source's Handler to set one; nothing of this page was applied."));
    }

    /// <summary>Finds the encoding a Content-Type charset names (including code pages such as windows-1252), or null when .NET does not know it.</summary>
    private static Encoding? FindEncoding(string? charSet)
    {
        var name = charSet?.Trim().Trim('"', '\'').Trim();
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            // Not one of the encodings .NET always has: try the code pages, without registering them process-wide.
            return CodePagesEncodingProvider.Instance.GetEncoding(name);
        }
    }
}
