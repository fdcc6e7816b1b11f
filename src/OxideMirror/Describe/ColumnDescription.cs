namespace OxideMirror;

/// <summary>
/// Describes one column of a resource's table.
/// </summary>
/// <param name="Name">The column's name.</param>
/// <param name="Key">The payload key the column holds, or <see langword="null"/> for <c>record_id</c> and the system columns.</param>
/// <param name="Type">The inferred type: <c>integer</c>, <c>real</c> (also when some values are integral), <c>text</c>, <c>json</c>, <c>blob</c>, a mix such as <c>integer|text</c>, or <c>null</c> when every sampled value is NULL.</param>
/// <param name="NullRate">The share of sampled rows where the column is NULL, from 0 to 1.</param>
/// <param name="Examples">Up to three distinct sampled values, cut to 40 characters.</param>
/// <param name="Indexed">Whether an index starts with this column.</param>
public sealed record ColumnDescription(string Name, string? Key, string Type, double NullRate, IReadOnlyList<string> Examples, bool Indexed);
