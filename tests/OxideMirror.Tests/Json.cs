using System.Text.Json;

namespace OxideMirror.Tests;

/// <summary>Small JSON helpers for assertions.</summary>
internal static class Json
{
    /// <summary>Parses JSON text into a detached element.</summary>
    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>Asserts that <paramref name="actual"/> is the same JSON value as <paramref name="expected"/>, ignoring formatting and key order.</summary>
    public static void ShouldBeJson(this JsonElement actual, string expected)
    {
        var want = Parse(expected);
        JsonElement.DeepEquals(actual, want).Should().BeTrue($"the JSON should be {want.GetRawText()}, but it is {(actual.ValueKind == JsonValueKind.Undefined ? "undefined" : actual.GetRawText())}");
    }

    /// <summary>Asserts that JSON text is the same JSON value as <paramref name="expected"/>.</summary>
    public static void ShouldBeJson(this string? actual, string expected)
    {
        actual.Should().NotBeNull();
        Parse(actual!).ShouldBeJson(expected);
    }
}
