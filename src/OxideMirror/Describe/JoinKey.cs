namespace OxideMirror;

/// <summary>
/// Names a likely join between two resources: sampled values of one column are found in the other.
/// </summary>
/// <param name="FromTable">The table holding the reference, for example <c>invoices</c>.</param>
/// <param name="FromColumn">The referencing column, for example <c>customer_id</c>.</param>
/// <param name="ToTable">The referenced table, for example <c>customers</c>.</param>
/// <param name="ToColumn">The referenced column, usually <c>record_id</c>.</param>
/// <param name="MatchRate">The share of sampled distinct values of the referencing column found in the referenced one, from 0 to 1.</param>
/// <param name="Indexed">Whether both sides are indexed (or a primary key), so the join is an index seek.</param>
public sealed record JoinKey(string FromTable, string FromColumn, string ToTable, string ToColumn, double MatchRate, bool Indexed);
