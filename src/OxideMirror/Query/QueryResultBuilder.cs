using System.Globalization;
using System.Text;

namespace OxideMirror;

/// <summary>
/// Builds a <see cref="QueryResult"/> row by row under a row cap and a byte cap on the answer as
/// <see cref="QueryResult.ToJson"/> writes it (compact UTF-8), for a store other than <see cref="MirrorStore"/> (such as
/// OxideMirror.PostgreSql's) that streams its own rows: the same unique column names, the same byte count and the
/// same <see cref="QueryResult.Truncated"/> as the SQLite store's query path.
/// </summary>
/// <remarks>Not thread-safe.</remarks>
public sealed class QueryResultBuilder
{
    private readonly string[] _names;
    private readonly Dictionary<string, int> _index;
    private readonly JsonColumnMode[] _modes;
    private readonly List<IReadOnlyDictionary<string, object?>> _rows = [];
    private readonly int _maxRows;
    private readonly long _maxBytes;
    private readonly long _rowNames;
    private long _total;

    /// <summary>Initializes a new instance of the <see cref="QueryResultBuilder"/> class.</summary>
    /// <param name="columns">The result's column names, in order; a repeated name becomes <c>name_2</c>, <c>name_3</c>, …</param>
    /// <param name="jsonColumns">For each column, whether its text is JSON (written nested, not as a string), or <see langword="null"/> for none.</param>
    /// <param name="maxRows">The row cap.</param>
    /// <param name="maxBytes">The byte cap on the answer as compact JSON.</param>
    /// <exception cref="ArgumentNullException"><paramref name="columns"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRows"/> or <paramref name="maxBytes"/> is below 1, or <paramref name="jsonColumns"/> does not have one entry per column.</exception>
    /// <exception cref="QueryException">The column names alone take more than <paramref name="maxBytes"/>.</exception>
    public QueryResultBuilder(IReadOnlyList<string> columns, IReadOnlyList<bool>? jsonColumns, int maxRows, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        if (jsonColumns is not null && jsonColumns.Count != columns.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(jsonColumns), jsonColumns.Count, string.Create(CultureInfo.InvariantCulture, $"Give one entry per column ({columns.Count})."));
        }

        _names = new string[columns.Count];
        _index = new Dictionary<string, int>(columns.Count, StringComparer.Ordinal);
        _modes = new JsonColumnMode[columns.Count];
        for (var c = 0; c < columns.Count; c++)
        {
            var name = columns[c] ?? string.Empty;
            var unique = name;
            for (var n = 2; _index.ContainsKey(unique); n++)
            {
                unique = string.Create(CultureInfo.InvariantCulture, $"{name}_{n}");
            }

            _names[c] = unique;
            _index[unique] = c;
            _modes[c] = jsonColumns?[c] == true ? JsonColumnMode.Json : JsonColumnMode.Text;
        }

        _maxRows = maxRows;
        _maxBytes = maxBytes;
        _total = JsonAnswerSize.Envelope(_names, []);
        if (_total > maxBytes)
        {
            throw new QueryException(string.Create(CultureInfo.InvariantCulture, $"The answer's column names alone take {_total:N0} bytes as JSON, more than the byte cap of {maxBytes:N0} bytes, so no row could be returned. Give the columns shorter aliases or select fewer of them."));
        }

        _rowNames = JsonAnswerSize.RowNames(_names);
    }

    /// <summary>Gets the result's column names, each unique.</summary>
    public IReadOnlyList<string> Columns => _names;

    /// <summary>Gets a value indicating whether a cap cut the rows short; no row is added after that.</summary>
    public bool Truncated { get; private set; }

    /// <summary>Gets how many bytes the answer may still grow by: a value longer than this (as UTF-8) cannot fit, so a reader need not read more of it.</summary>
    public long RemainingBytes => Math.Max(0, _maxBytes - _total);

    /// <summary>
    /// Adds a row when it fits under both caps; otherwise sets <see cref="Truncated"/> and returns <see langword="false"/>.
    /// </summary>
    /// <param name="values">The row's values, one per column: <see cref="long"/>, <see cref="double"/>, <see cref="string"/>, <see cref="byte"/> arrays, or <see langword="null"/>; anything else is written as its invariant text.</param>
    /// <returns>Whether the row was added.</returns>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not hold one value per column.</exception>
    public bool TryAdd(object?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != _names.Length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The row has {values.Length} value(s) for {_names.Length} column(s). Give one value per column."), nameof(values));
        }

        if (Truncated)
        {
            return false;
        }

        if (_rows.Count >= _maxRows)
        {
            Truncated = true;
            return false;
        }

        var size = _rows.Count == 0 ? _rowNames : _rowNames + 1;
        for (var c = 0; c < values.Length && _total + size <= _maxBytes; c++)
        {
            size += values[c] switch
            {
                null => JsonAnswerSize.Null,
                long l => JsonAnswerSize.Integer(l),
                double d => JsonAnswerSize.Real(d),
                string s => JsonAnswerSize.TextValue(_modes[c], Encoding.UTF8.GetBytes(s)),
                byte[] b => JsonAnswerSize.Blob(b.Length),
                var other => JsonAnswerSize.Text(Convert.ToString(other, CultureInfo.InvariantCulture)),
            };
        }

        if (_total + size > _maxBytes)
        {
            Truncated = true;
            return false;
        }

        _total += size;
        _rows.Add(new QueryRow(_names, _index, values));
        return true;
    }

    /// <summary>Marks the result as cut short by the caller (a value too long to read, say); no row is added after that.</summary>
    public void MarkTruncated() => Truncated = true;

    /// <summary>Builds the result from the rows added.</summary>
    /// <returns>The result, with no freshness entries.</returns>
    public QueryResult Build() => new(_names, _rows, Truncated, _modes, []);
}
