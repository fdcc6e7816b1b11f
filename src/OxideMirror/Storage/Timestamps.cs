using System.Globalization;

namespace OxideMirror;

/// <summary>
/// Formats and parses the store's timestamps: UTC ISO-8601 text with seven fractional digits
/// (<c>2026-11-25T12:00:00.0000000Z</c>), which sorts as text and which SQLite's date functions read. This is .NET's
/// round-trip ("O") format of a UTC <see cref="DateTime"/>, which has a fast path both ways.
/// </summary>
internal static class Timestamps
{
    public static string Write(DateTimeOffset value) => value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset Read(string value) =>
        new(DateTime.ParseExact(value, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind), TimeSpan.Zero);
}
