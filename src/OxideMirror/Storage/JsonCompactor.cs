using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace OxideMirror;

/// <summary>
/// Writes a JSON value as compact UTF-8 into a reused buffer. Non-ASCII text is kept as it is (not \u-escaped), so
/// <c>LIKE</c> and equality work on the stored text. The span it returns is valid until the next write. A value nested
/// deeper than the compactor's depth, or holding an unpaired surrogate escape, throws <see cref="InvalidOperationException"/>.
/// </summary>
internal sealed class JsonCompactor : IDisposable
{
    private const int InitialCapacity = 1024;
    private ArrayBufferWriter<byte> _buffer = new(InitialCapacity);
    private readonly Utf8JsonWriter _writer;

    /// <summary>Creates a compactor for values nested at most <paramref name="maxDepth"/> levels deep.</summary>
    /// <param name="maxDepth">
    /// <see cref="PayloadProblems.MaxDepth"/> for a payload being accepted; <see cref="JsonDepth.Default"/> for JSON the store
    /// already holds, which an earlier version may have accepted deeper than today's limit.
    /// </param>
    public JsonCompactor(int maxDepth)
    {
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true, MaxDepth = maxDepth });
    }

    public ReadOnlySpan<byte> Write(JsonElement element)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        element.WriteTo(_writer);
        _writer.Flush();
        return _buffer.WrittenSpan;
    }

    /// <summary>Lets go of a buffer grown for a large value (one refused as too large), so that the writer does not keep it.</summary>
    public void Shrink()
    {
        if (_buffer.Capacity > InitialCapacity)
        {
            _buffer = new ArrayBufferWriter<byte>(InitialCapacity);
            _writer.Reset(_buffer);
        }
    }

    public string WriteString(JsonElement element) => Encoding.UTF8.GetString(Write(element));

    public void Dispose() => _writer.Dispose();
}
