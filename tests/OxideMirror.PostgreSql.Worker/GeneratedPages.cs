namespace OxideMirror.PostgreSql.Worker;

/// <summary>The same pages for the worker and for the test's uninterrupted run: upserts and some deletes over 30 records.</summary>
public static class GeneratedPages
{
    public const int DeltasPerPage = 10;

    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public static string Cursor(int page) => "page-" + page.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static IReadOnlyList<Delta> Page(string source, int page) =>
        Enumerable.Range(0, DeltasPerPage).Select(i =>
        {
            var n = (page * DeltasPerPage) + i;
            var id = "r" + (n % 30).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var at = T0.AddSeconds(n);
            return n % 7 == 0
                ? Delta.Delete("items", id, source).At(at).WithId("d" + n.ToString(System.Globalization.CultureInfo.InvariantCulture))
                : Delta.Upsert("items", id, new { n, page, even = n % 2 == 0 }, source).At(at).WithId("d" + n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }).ToList();
}
