namespace OxideMirror;

/// <summary>
/// Names the <see cref="System.Diagnostics.Metrics.Meter"/> and the <see cref="System.Diagnostics.ActivitySource"/>
/// OxideMirror publishes its metrics and traces on, for exporters such as OpenTelemetry
/// (<c>AddMeter(OxideMirrorTelemetry.MeterName)</c>, <c>AddSource(OxideMirrorTelemetry.ActivitySourceName)</c>).
/// </summary>
public static class OxideMirrorTelemetry
{
    /// <summary>The name of the meter every OxideMirror instrument belongs to.</summary>
    public const string MeterName = "OxideMirror";

    /// <summary>The name of the activity source OxideMirror starts its sync and query activities from.</summary>
    public const string ActivitySourceName = "OxideMirror";
}
