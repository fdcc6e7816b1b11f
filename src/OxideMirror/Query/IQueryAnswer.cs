namespace OxideMirror;

/// <summary>What the query path reads from any answer, typed or not, to log it.</summary>
internal interface IQueryAnswer
{
    /// <summary>Gets how many rows the answer holds.</summary>
    int RowCount { get; }

    /// <summary>Gets a value indicating whether a cap cut the answer short.</summary>
    bool Truncated { get; }
}
