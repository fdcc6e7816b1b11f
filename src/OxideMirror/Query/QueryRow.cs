using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace OxideMirror;

/// <summary>One result row: a read-only dictionary over an array of values and the result's shared column index.</summary>
internal sealed class QueryRow : IReadOnlyDictionary<string, object?>
{
    private readonly IReadOnlyList<string> _names;
    private readonly Dictionary<string, int> _index;
    private readonly object?[] _values;

    public QueryRow(IReadOnlyList<string> names, Dictionary<string, int> index, object?[] values)
    {
        _names = names;
        _index = index;
        _values = values;
    }

    public int Count => _values.Length;

    public IEnumerable<string> Keys => _names;

    public IEnumerable<object?> Values => _values;

    public object? this[string key] => _index.TryGetValue(key, out var i) ? _values[i] : throw new KeyNotFoundException($"The result has no column '{key}'. Its columns are: {string.Join(", ", _names)}.");

    public bool ContainsKey(string key) => _index.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
    {
        if (_index.TryGetValue(key, out var i))
        {
            value = _values[i];
            return true;
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < _values.Length; i++)
        {
            yield return new KeyValuePair<string, object?>(_names[i], _values[i]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
