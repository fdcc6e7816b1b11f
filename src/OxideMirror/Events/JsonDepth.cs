namespace OxideMirror;

/// <summary>
/// The one rule for how deep JSON may nest, from which every reader's and writer's limit is derived: an answer, the
/// deepest JSON the mirror hands out (a bus answer, <see cref="QueryResult.ToJson"/>), stays within the depth
/// System.Text.Json's readers and serializers take by default, so that a host's transport and an agent read it without
/// configuring anything; so a payload, or a query value written as JSON, may nest that depth less the answer's envelope.
/// </summary>
internal static class JsonDepth
{
    /// <summary>
    /// The nesting System.Text.Json reads and serializes by default (<c>JsonReaderOptions</c>, <c>JsonDocumentOptions</c>,
    /// <c>JsonSerializerOptions.MaxDepth</c>): the most an answer nests.
    /// </summary>
    public const int Default = 64;

    /// <summary>
    /// The most objects and arrays an answer wraps around a payload or a query value: the answer, a list and an item
    /// (<c>records[i].payload</c>, <c>changes[i].payload</c>, <c>rows[i].column</c>; <c>explanation.fields[i].value</c> is one
    /// level deeper, but holds a payload's field, itself one level below the payload).
    /// </summary>
    public const int Envelope = 3;

    /// <summary>
    /// The deepest a stored payload may nest (checked when it is applied), and the deepest JSON text a query answer
    /// nests as JSON (deeper text comes out as a string).
    /// </summary>
    public const int Value = Default - Envelope;

    /// <summary>
    /// The most the mirror module's own serializer and parser allow: enough for a payload stored before the
    /// <see cref="Value"/> limit, at up to <see cref="Default"/> levels, so that such a record is still answered.
    /// </summary>
    public const int Answer = Default + Envelope;
}
