namespace OxideMirror;

/// <summary>
/// How a describer finds join keys from its sample of each table, written once for both stores (this file is compiled
/// into OxideMirror and OxideMirror.PostgreSql): how many rows and values are sampled, when a candidate is dropped
/// before all its values are looked up, and what share of found values makes a join key.
/// </summary>
/// <remarks>
/// A candidate is a column of one table paired with another table's <c>record_id</c> or same-named column, and is
/// reported when at least <see cref="MinimumRate"/> of up to <see cref="JoinSample"/> distinct values from the column's
/// sample are found in the target. An indexed target (and <c>record_id</c>) is looked up value by value in all of its
/// table; an unindexed one is matched against the target table's own sample, already in memory, so it costs no read.
/// Most candidates (a name against another resource's ids) match nothing, and on a file that is not in memory each value
/// looked up is a page read from disk: so an indexed target is first probed with <see cref="ScreenValues"/> values,
/// and the rest are looked up only when at least <see cref="ScreenHits"/> of those match. A column whose values match
/// half the time or more is dropped this way with a chance under 0.03% (16 draws at 0.5, at most one match).
/// </remarks>
internal static class JoinKeyRule
{
    /// <summary>The rows of each table a description samples.</summary>
    public const int SampleRows = 1000;

    /// <summary>The most distinct values of a column looked up in a candidate target.</summary>
    public const int JoinSample = 200;

    /// <summary>The values an indexed target is probed with first.</summary>
    public const int ScreenValues = 16;

    /// <summary>The matches among the first <see cref="ScreenValues"/> that an indexed target needs for the rest to be looked up.</summary>
    public const int ScreenHits = 2;

    /// <summary>The share of looked-up values that must be found for a candidate to be reported as a join key.</summary>
    public const double MinimumRate = 0.5;

    /// <summary>Returns how many of a column's <paramref name="values"/> to probe an indexed target with first: <see cref="ScreenValues"/>, or 0 when there is no screen.</summary>
    public static int ScreenSize(int values) => values > ScreenValues ? ScreenValues : 0;

    /// <summary>Returns whether a candidate that found <paramref name="found"/> of its screen values is looked up in full.</summary>
    public static bool PassesScreen(long found) => found >= ScreenHits;

    /// <summary>Returns the share of <paramref name="values"/> found, rounded as descriptions report it.</summary>
    public static double Rate(long found, int values) => Math.Round((double)found / values, 3);

    /// <summary>
    /// Returns the distinct values an unindexed target column holds in its table's sample (<paramref name="sample"/>'s
    /// rows are in <paramref name="columns"/>' order), built once per description and kept in <paramref name="read"/>.
    /// </summary>
    public static HashSet<T> SampledValues<T>(IReadOnlyList<ColumnDescription> columns, List<T?[]> sample, ColumnDescription column, Dictionary<ColumnDescription, HashSet<T>> read, IEqualityComparer<T>? comparer = null)
        where T : class
    {
        if (!read.TryGetValue(column, out var values))
        {
            var c = 0;
            while (!ReferenceEquals(columns[c], column))
            {
                c++;
            }

            read[column] = values = sample.Select(r => r[c]).OfType<T>().ToHashSet(comparer);
        }

        return values;
    }
}
