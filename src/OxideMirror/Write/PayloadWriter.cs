using System.Text.Json;

namespace OxideMirror;

/// <summary>
/// Writes the payloads a write path stores, as compact UTF-8 into reused buffers, under the store's payload limit: a
/// delta's own payload (a payload that cannot be stored, or is too large, is the delta's fault:
/// <see cref="InvalidDeltaException"/>) and a strategy's merged payload (the strategy's fault:
/// <see cref="InvalidOperationException"/>). The one rule for both stores' write paths (<see cref="RecordWriter"/>,
/// <see cref="DeltaRules"/>). A span it returns is valid until the next write of its kind. Not thread-safe.
/// </summary>
internal sealed class PayloadWriter : IDisposable
{
    private readonly JsonCompactor _incoming = new(PayloadProblems.MaxDepth);
    private readonly JsonCompactor _merged = new(PayloadProblems.MaxDepth);
    private readonly long _maxPayloadBytes;

    public PayloadWriter(long maxPayloadBytes)
    {
        _maxPayloadBytes = maxPayloadBytes;
    }

    /// <summary>Writes an upsert's payload as compact UTF-8; <paramref name="index"/> is the delta's position for error messages, or -1.</summary>
    public ReadOnlySpan<byte> Incoming(Delta delta, int index)
    {
        ReadOnlySpan<byte> written;
        try
        {
            written = _incoming.Write(delta.Payload);
        }
        catch (InvalidOperationException ex)
        {
            throw delta.InvalidPayload(index, PayloadProblems.Find(delta.Payload) ?? $"cannot be written as JSON text ({ex.Message})");
        }

        if (written.Length > _maxPayloadBytes)
        {
            _incoming.Shrink();
            throw delta.InvalidPayload(index, TooLarge(written.Length) + ". Keep large content out of the record (a link or a hash of it), split the record, or raise MaxPayloadBytes");
        }

        return written;
    }

    /// <summary>Writes a strategy's merged payload as compact UTF-8.</summary>
    public ReadOnlySpan<byte> Merged(JsonElement payload, IConflictStrategy strategy, Delta delta)
    {
        string problem;
        try
        {
            var written = _merged.Write(payload);
            if (written.Length <= _maxPayloadBytes)
            {
                return written;
            }

            _merged.Shrink();
            problem = TooLarge(written.Length);
        }
        catch (InvalidOperationException ex)
        {
            problem = PayloadProblems.Find(payload) ?? $"cannot be written as JSON text ({ex.Message})";
            throw new InvalidOperationException(
                $"The conflict strategy '{strategy.Label}' returned a merged payload for {delta.Resource}/{delta.RecordId} that {problem}. Return a payload the store can hold, or ConflictResolution.Apply or Skip.",
                ex);
        }

        throw new InvalidOperationException(
            $"The conflict strategy '{strategy.Label}' returned a merged payload for {delta.Resource}/{delta.RecordId} that {problem}. Return a payload the store can hold, or ConflictResolution.Apply or Skip, or raise MaxPayloadBytes.");
    }

    public void Dispose()
    {
        _incoming.Dispose();
        _merged.Dispose();
    }

    /// <summary>Describes a payload over the limit, as a phrase that follows "whose Payload" or "that".</summary>
    private string TooLarge(int length) => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"is {length:N0} bytes as stored (compact JSON), more than MirrorStoreOptions.MaxPayloadBytes ({_maxPayloadBytes:N0} bytes)");
}
