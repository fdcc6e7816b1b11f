using System.Globalization;
using System.Text.Json;

namespace OxideMirror;

/// <summary>
/// Describes one change to one remote record, as a source reports it: create or replace the
/// record's payload, or delete the record.
/// </summary>
/// <remarks>
/// A delta is an immutable value. Its fields are checked when it is applied, so a source can
/// hand over whatever the remote API said and the store refuses bad values with an
/// <see cref="InvalidDeltaException"/> that names the field.
/// </remarks>
public sealed record Delta
{
    /// <summary>Gets the resource (remote collection) the record belongs to, for example <c>customers</c>.</summary>
    public required string Resource { get; init; }

    /// <summary>Gets the record's id, unique within its resource.</summary>
    public required string RecordId { get; init; }

    /// <summary>Gets what the delta does to the record.</summary>
    public DeltaOp Op { get; init; }

    /// <summary>Gets the record's new payload: a JSON object for <see cref="DeltaOp.Upsert"/>, undefined for <see cref="DeltaOp.Delete"/>.</summary>
    public JsonElement Payload { get; init; }

    /// <summary>Gets when the change happened at the source (event time).</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>Gets where the change came from and how much it is trusted.</summary>
    public required Provenance Provenance { get; init; }

    /// <summary>Gets an optional id, unique per source, that makes applying the delta idempotent: a delta whose id was already applied is ignored.</summary>
    public string? DeltaId { get; init; }

    /// <summary>Creates a delta that creates or replaces a record with a JSON object payload.</summary>
    /// <param name="resource">The resource, for example <c>customers</c>.</param>
    /// <param name="recordId">The record's id within the resource.</param>
    /// <param name="payload">The record's payload; must be a JSON object when applied. It is cloned, so the caller may dispose its document.</param>
    /// <param name="source">The id of the reporting source.</param>
    /// <returns>An upsert delta with confidence 1 that occurred now.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/>, <paramref name="recordId"/> or <paramref name="source"/> is null.</exception>
    public static Delta Upsert(string resource, string recordId, JsonElement payload, string source)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(recordId);
        ArgumentNullException.ThrowIfNull(source);
        return new Delta
        {
            Resource = resource,
            RecordId = recordId,
            Op = DeltaOp.Upsert,
            Payload = payload.ValueKind == JsonValueKind.Undefined ? payload : payload.Clone(),
            OccurredAt = TimeProvider.System.GetUtcNow(),
            Provenance = new Provenance(source),
        };
    }

    /// <summary>Creates a delta that creates or replaces a record, serializing the payload with System.Text.Json.</summary>
    /// <typeparam name="T">The payload's type; it must serialize to a JSON object.</typeparam>
    /// <param name="resource">The resource, for example <c>customers</c>.</param>
    /// <param name="recordId">The record's id within the resource.</param>
    /// <param name="payload">The record's payload, serialized with the default <see cref="JsonSerializerOptions"/>.</param>
    /// <param name="source">The id of the reporting source.</param>
    /// <returns>An upsert delta with confidence 1 that occurred now.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static Delta Upsert<T>(string resource, string recordId, T payload, string source)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return Upsert(resource, recordId, JsonSerializer.SerializeToElement(payload), source);
    }

    /// <summary>Creates a delta that deletes a record.</summary>
    /// <param name="resource">The resource, for example <c>customers</c>.</param>
    /// <param name="recordId">The record's id within the resource.</param>
    /// <param name="source">The id of the reporting source.</param>
    /// <returns>A delete delta with confidence 1 that occurred now.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static Delta Delete(string resource, string recordId, string source)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(recordId);
        ArgumentNullException.ThrowIfNull(source);
        return new Delta
        {
            Resource = resource,
            RecordId = recordId,
            Op = DeltaOp.Delete,
            OccurredAt = TimeProvider.System.GetUtcNow(),
            Provenance = new Provenance(source),
        };
    }

    /// <summary>Returns a copy of this delta with another confidence.</summary>
    /// <param name="confidence">How much the source is trusted, from 0 to 1 inclusive (checked when applied).</param>
    /// <returns>The copy.</returns>
    public Delta WithConfidence(double confidence) => this with { Provenance = Provenance with { Confidence = confidence } };

    /// <summary>Returns a copy of this delta that occurred at another time.</summary>
    /// <param name="occurredAt">When the change happened at the source.</param>
    /// <returns>The copy.</returns>
    public Delta At(DateTimeOffset occurredAt) => this with { OccurredAt = occurredAt };

    /// <summary>Returns a copy of this delta with an idempotency id.</summary>
    /// <param name="deltaId">An id unique per source; a delta whose id was already applied is ignored.</param>
    /// <returns>The copy.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="deltaId"/> is null.</exception>
    public Delta WithId(string deltaId)
    {
        ArgumentNullException.ThrowIfNull(deltaId);
        return this with { DeltaId = deltaId };
    }

    /// <summary>Checks every field and throws an <see cref="InvalidDeltaException"/> naming the first bad one.</summary>
    /// <param name="index">The delta's position in its batch, or -1.</param>
    internal void Validate(int index)
    {
        var at = At(index);
        if (Ids.IsBlank(Resource))
        {
            throw Invalid(nameof(Resource), $"{at} has an empty Resource ({Quote(Resource)}). Give every delta the name of the collection it belongs to, for example \"customers\".", index);
        }

        if (Ids.IsBlank(RecordId))
        {
            throw Invalid(nameof(RecordId), $"{at} (resource {Quote(Resource)}) has an empty RecordId ({Quote(RecordId)}). Give every delta the remote record's id.", index);
        }

        if (Op is not (DeltaOp.Upsert or DeltaOp.Delete))
        {
            throw Invalid(nameof(Op), $"{at} ({Resource}/{RecordId}) has Op {(int)Op}, which is not a DeltaOp. Use DeltaOp.Upsert or DeltaOp.Delete.", index);
        }

        if (Provenance is null)
        {
            throw Invalid(nameof(Provenance), $"{at} ({Resource}/{RecordId}) has no Provenance. Set Provenance to the reporting source.", index);
        }

        if (Ids.IsBlank(Provenance.Source))
        {
            throw Invalid("Provenance.Source", $"{at} ({Resource}/{RecordId}) has an empty Provenance.Source ({Quote(Provenance.Source)}). Name the source that reported the change.", index);
        }

        var confidence = Provenance.Confidence;
        if (double.IsNaN(confidence) || confidence < 0 || confidence > 1)
        {
            throw Invalid("Provenance.Confidence", string.Create(CultureInfo.InvariantCulture, $"{at} ({Resource}/{RecordId}) has Provenance.Confidence {confidence}, which is not between 0 and 1. Use a confidence from 0 (untrusted) to 1 (fully trusted)."), index);
        }

        if (Op == DeltaOp.Upsert && Payload.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(nameof(Payload), $"{at} ({Resource}/{RecordId}) is an upsert whose Payload is {Describe(Payload)}, not a JSON object. Wrap the value in an object, for example {{\"value\": ...}}.", index);
        }

        if (DeltaId is not null && Ids.IsBlank(DeltaId))
        {
            throw Invalid(nameof(DeltaId), $"{at} ({Resource}/{RecordId}) has an empty DeltaId ({Quote(DeltaId)}). Leave DeltaId null or give it a value unique per source.", index);
        }

        CheckUtf16(nameof(Resource), Resource, at, index);
        CheckUtf16(nameof(RecordId), RecordId, at, index);
        CheckUtf16("Provenance.Source", Provenance.Source, at, index);
        CheckUtf16(nameof(DeltaId), DeltaId, at, index);
    }

    private void CheckUtf16(string field, string? value, string at, int index)
    {
        var position = Utf16Text.FindUnpairedSurrogate(value);
        if (position >= 0)
        {
            throw Invalid(field, $"{at} ({Utf16Text.Quote(Resource)}/{Utf16Text.Quote(RecordId)}) has a {field} that {Utf16Text.Describe(value!, position)}. Decode the value from the source's bytes as UTF-8 or UTF-16 without cutting a character in half, or replace the unpaired surrogate.", index);
        }
    }

    /// <summary>Creates the exception for an upsert whose payload cannot be stored, with the problem <see cref="PayloadProblems"/> found.</summary>
    /// <param name="index">The delta's position in its batch, or -1.</param>
    /// <param name="problem">A phrase that follows "whose Payload".</param>
    internal InvalidDeltaException InvalidPayload(int index, string problem) =>
        Invalid(nameof(Payload), $"{At(index)} ({Utf16Text.Quote(Resource)}/{Utf16Text.Quote(RecordId)}) is an upsert whose Payload {problem}.", index);

    private static string At(int index) => index >= 0 ? string.Create(CultureInfo.InvariantCulture, $"Delta {index} of the batch") : "The delta";

    private static InvalidDeltaException Invalid(string field, string message, int index) => new(field, message) { Index = index };

    private static string Quote(string? value) => value is null ? "null" : "\"" + value + "\"";

    private static string Describe(JsonElement payload) => payload.ValueKind switch
    {
        JsonValueKind.Undefined => "missing",
        JsonValueKind.Array => "a JSON array",
        JsonValueKind.String => "a JSON string",
        JsonValueKind.Number => "a JSON number",
        JsonValueKind.True or JsonValueKind.False => "a JSON boolean",
        JsonValueKind.Null => "JSON null",
        _ => payload.ValueKind.ToString(),
    };
}
