namespace OxideMirror;

/// <summary>
/// Describes one step of a query plan, as SQLite's <c>EXPLAIN QUERY PLAN</c> reports it: a loop over a table (<c>SCAN</c>
/// reads every row, <c>SEARCH</c> uses an index), a subquery, or a temporary B-tree for sorting or grouping.
/// </summary>
/// <param name="Id">The step's id within the plan.</param>
/// <param name="ParentId">The id of the step it belongs to, or 0 for a top-level step.</param>
/// <param name="Depth">How deep the step is nested: 0 for a top-level step.</param>
/// <param name="Detail">SQLite's description of the step, for example <c>SEARCH i USING INDEX ix_invoices_customer_id (customer_id=?)</c>.</param>
public sealed record QueryPlanStep(int Id, int ParentId, int Depth, string Detail);
