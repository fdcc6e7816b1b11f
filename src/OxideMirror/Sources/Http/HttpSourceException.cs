using System.Net;

namespace OxideMirror.Http;

/// <summary>
/// Thrown when an <see cref="HttpSource"/> cannot get a usable page: the server refused the credentials, answered
/// with an error after every retry, redirected to another host (or more than 5 times), or sent a body larger than
/// <see cref="HttpSourceOptions.MaxResponseBytes"/> or not of the configured shape. Nothing of the page was applied,
/// and the stored cursor stays before it.
/// </summary>
public sealed class HttpSourceException : MirrorException
{
    /// <summary>Initializes a new instance of the <see cref="HttpSourceException"/> class.</summary>
    /// <param name="sourceId">The id of the source that failed.</param>
    /// <param name="resource">The resource whose page failed, or <see langword="null"/> when the failure is not about one resource.</param>
    /// <param name="statusCode">The HTTP status of the last response, or <see langword="null"/> when there was no response.</param>
    /// <param name="message">A full sentence that says what went wrong and what to do; it never holds a credential.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public HttpSourceException(string sourceId, string? resource, HttpStatusCode? statusCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        SourceId = sourceId;
        Resource = resource;
        StatusCode = statusCode;
    }

    /// <summary>Gets the id of the source that failed.</summary>
    public string SourceId { get; }

    /// <summary>Gets the resource whose page failed, or <see langword="null"/> when the failure is not about one resource.</summary>
    public string? Resource { get; }

    /// <summary>Gets the HTTP status of the last response, or <see langword="null"/> when there was no response (a timeout, a refused connection, a bad body).</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <inheritdoc />
    public override string Code => MirrorErrorCodes.SourceFailed;
}
