namespace OxideMirror;

/// <summary>How <see cref="QueryResult.ToJson"/> writes a text column.</summary>
internal enum JsonColumnMode
{
    /// <summary>Always as a string: the column comes from a table column that never held JSON.</summary>
    Text = 0,

    /// <summary>As JSON when the text parses: the column comes from a resource column that holds objects or arrays.</summary>
    Json = 1,

    /// <summary>As JSON when the text is a JSON object or array: the column is computed.</summary>
    Detect = 2,
}
