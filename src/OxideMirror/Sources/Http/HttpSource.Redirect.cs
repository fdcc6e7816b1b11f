using System.Globalization;
using System.Net;

namespace OxideMirror.Http;

/// <summary>
/// Follows redirects by the rule next-page links keep: every request carries the source's credentials, so a redirect
/// is followed only on the scheme, host and port that was asked, at most <see cref="MaxRedirects"/> times per request.
/// </summary>
public sealed partial class HttpSource
{
    /// <summary>How many same-origin redirects one request follows before its page fails.</summary>
    internal const int MaxRedirects = 5;

    /// <summary>Returns where a redirect response points (resolved against the request), or null for any other response.</summary>
    private static Uri? RedirectTarget(HttpResponseMessage response)
    {
        if (response.StatusCode is not (HttpStatusCode.MultipleChoices or HttpStatusCode.MovedPermanently or HttpStatusCode.Found
            or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect))
        {
            return null;
        }

        return response.Headers.Location;
    }

    /// <summary>
    /// Checks a redirect and returns the request to send next: one on the scheme, host and port of
    /// <paramref name="requested"/> (the page's own request), within the limit. Any other fails the page.
    /// </summary>
    private Uri FollowRedirect(HttpResourceOptions resource, Uri requested, Uri current, Uri location, HttpStatusCode status, int redirects)
    {
        var target = location.IsAbsoluteUri ? location : new Uri(current, location);
        var at = string.Create(CultureInfo.InvariantCulture, $"HTTP source '{Id}', resource '{resource.Name}': the request for {Describe(current)} was redirected");
        if (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps)
        {
            throw Redirect(resource, status, string.Create(CultureInfo.InvariantCulture, $"{at} (HTTP {(int)status}) to {target.GetLeftPart(UriPartial.Path)}, whose scheme '{target.Scheme}' is not http or https. Check the resource's Path and the source's BaseAddress"));
        }

        if (!SameOrigin(target, requested))
        {
            throw Redirect(resource, status, string.Create(CultureInfo.InvariantCulture, $"{at} (HTTP {(int)status}) to another host, {target.GetLeftPart(UriPartial.Path)}, than the one requested ({requested.GetLeftPart(UriPartial.Authority)}). The source sends its credentials with every request, so it follows redirects only on the scheme, host and port it asked, as it does next-page links; point BaseAddress (or the resource's Path) at the host that serves the data"));
        }

        if (redirects >= MaxRedirects)
        {
            throw Redirect(resource, status, string.Create(CultureInfo.InvariantCulture, $"HTTP source '{Id}', resource '{resource.Name}': the request for {Describe(requested)} was redirected more than {MaxRedirects} times; redirect {redirects + 1} (HTTP {(int)status}) points to {target.GetLeftPart(UriPartial.Path)}; the source follows at most {MaxRedirects} redirects a request, so this is most likely a loop. Check the resource's Path and the source's BaseAddress"));
        }

        return target;
    }

    /// <summary>
    /// Returns the URL a response came from. A handler that follows redirects itself (one inside a caller's
    /// <see cref="HttpClient"/>) changes the request's URL as it goes: one that ended on another host fails the page,
    /// so that nothing of that host is mirrored, though the request's headers have already been sent there.
    /// </summary>
    private Uri Landed(HttpResourceOptions resource, Uri current, HttpResponseMessage response)
    {
        var landed = response.RequestMessage?.RequestUri;
        if (landed is null || !landed.IsAbsoluteUri)
        {
            return current;
        }

        if (!SameOrigin(landed, current))
        {
            throw Redirect(resource, response.StatusCode, string.Create(CultureInfo.InvariantCulture, $"HTTP source '{Id}', resource '{resource.Name}': the request for {Describe(current)} was redirected to another host, {landed.GetLeftPart(UriPartial.Path)}, by the HttpClient's own handler, which followed the redirect before the source could check it, so that host has been sent the request's headers (the source's API key and Headers among them; .NET drops only Authorization). Configure the client's handler with AllowAutoRedirect = false: the source then follows redirects on the same scheme, host and port itself and refuses any other before sending anything"));
        }

        return landed;
    }

    private HttpSourceException Redirect(HttpResourceOptions resource, HttpStatusCode status, string problem) =>
        new(Id, resource.Name, status, problem + "; nothing of this page was applied.");

    private static bool SameOrigin(Uri left, Uri right) =>
        Uri.Compare(left, right, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) == 0;

    /// <summary>
    /// Turns off redirects in the handler the source builds its client on (the innermost one of a chain of
    /// <see cref="DelegatingHandler"/>s), so that the source checks every redirect before following it. A handler that
    /// has already sent requests cannot be changed, and is refused.
    /// </summary>
    private static void TurnOffRedirects(HttpSourceOptions options, HttpMessageHandler handler)
    {
        var inner = handler;
        while (inner is DelegatingHandler { InnerHandler: { } next })
        {
            inner = next;
        }

        try
        {
            switch (inner)
            {
                case SocketsHttpHandler { AllowAutoRedirect: true } sockets:
                    sockets.AllowAutoRedirect = false;
                    break;
                case HttpClientHandler { AllowAutoRedirect: true } client:
                    client.AllowAutoRedirect = false;
                    break;
            }
        }
        catch (InvalidOperationException ex)
        {
            throw new ArgumentException($"HTTP source '{options.Id}': the Handler's {inner.GetType().Name} follows redirects (AllowAutoRedirect is true) and has already sent requests, so the source cannot turn that off; it would send the source's credentials to whatever host a redirect names. Set AllowAutoRedirect = false on it before its first request, or give the source a handler of its own: the source follows redirects on the same scheme, host and port itself.", nameof(options), ex);
        }
    }
}
