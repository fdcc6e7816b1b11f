using System.Diagnostics;

namespace OxideMirror;

internal sealed partial class MirrorTelemetry
{
    /// <summary>Records a request an HTTP source sent that got a response, and a 429 among them.</summary>
    public void HttpResponded(string source, string resource, int status)
    {
        if (HttpRequests.Enabled)
        {
            HttpRequests.Add(1, new TagList { { TelemetryTags.Source, source }, { TelemetryTags.Resource, resource }, { TelemetryTags.HttpStatusCode, status } });
        }

        if (status == 429 && HttpThrottled.Enabled)
        {
            HttpThrottled.Add(1, new TagList { { TelemetryTags.Source, source }, { TelemetryTags.Resource, resource } });
        }
    }

    /// <summary>Records a request an HTTP source sent that got no response (<paramref name="errorType"/>: <c>timeout</c>, <c>connection_failed</c>, …).</summary>
    public void HttpFailed(string source, string resource, string errorType)
    {
        if (HttpRequests.Enabled)
        {
            HttpRequests.Add(1, new TagList { { TelemetryTags.Source, source }, { TelemetryTags.Resource, resource }, { TelemetryTags.ErrorType, errorType } });
        }
    }

    /// <summary>Records a retry an HTTP source is about to wait for: the retry by its cause, and the wait by its reason.</summary>
    public void HttpRetrying(string source, string resource, string errorType, TimeSpan delay, bool serverSaid)
    {
        if (HttpRetries.Enabled)
        {
            HttpRetries.Add(1, new TagList { { TelemetryTags.Source, source }, { TelemetryTags.Resource, resource }, { TelemetryTags.ErrorType, errorType } });
        }

        if (HttpWait.Enabled)
        {
            HttpWait.Record(delay.TotalSeconds, new TagList { { TelemetryTags.Source, source }, { TelemetryTags.Resource, resource }, { TelemetryTags.WaitReason, serverSaid ? "retry_after" : "backoff" } });
        }
    }
}
