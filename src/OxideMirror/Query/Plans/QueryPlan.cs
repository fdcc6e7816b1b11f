using System.Text;

namespace OxideMirror;

/// <summary>
/// Holds how SQLite would run an agent's query, from <see cref="MirrorStore.ExplainQueryAsync"/>: the steps of its plan
/// and hints where a join or a filter reads a whole table because no index serves it.
/// </summary>
public sealed class QueryPlan : IQueryAnswer
{
    internal QueryPlan(IReadOnlyList<QueryPlanStep> steps, IReadOnlyList<string> hints, bool truncated)
    {
        Steps = steps;
        Hints = hints;
        Truncated = truncated;
    }

    /// <summary>Gets the plan's steps in SQLite's order: outer loops before the loops nested in them.</summary>
    public IReadOnlyList<QueryPlanStep> Steps { get; }

    /// <summary>
    /// Gets one sentence per table a join or a filter reads without an index (a full scan nested in a join, a
    /// temporary index SQLite builds for each run, a filtered full scan), naming the table and what to do; empty when
    /// every loop is served by an index or reads its table once.
    /// </summary>
    public IReadOnlyList<string> Hints { get; }

    /// <summary>Gets a value indicating whether the plan had more steps than the query's row cap, so that <see cref="Steps"/> holds the first ones only.</summary>
    public bool Truncated { get; }

    /// <inheritdoc cref="IQueryAnswer.RowCount"/>
    int IQueryAnswer.RowCount => Steps.Count;

    /// <summary>Renders the plan as an indented tree, one step per line, followed by the hints.</summary>
    /// <returns>The plan as text.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var step in Steps)
        {
            text.Append(' ', step.Depth * 2).Append(step.Detail).Append('\n');
        }

        foreach (var hint in Hints)
        {
            text.Append("hint: ").Append(hint).Append('\n');
        }

        return text.ToString();
    }
}
