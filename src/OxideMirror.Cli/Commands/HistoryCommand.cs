using System.Globalization;
using System.Text;
using System.Text.Json;
using OxideMirror.Cli.Config;

namespace OxideMirror.Cli.Commands;

/// <summary><c>oxide-mirror history &lt;resource&gt; &lt;id&gt; [--json]</c>: prints every change the log holds for one record, oldest first, with its source, confidence and the strategy's decision.</summary>
internal static class HistoryCommand
{
    private static readonly string[] Columns = ["position", "applied_at", "occurred_at", "op", "decision", "applied", "source", "confidence", "version", "payload"];

    public static async Task<int> RunAsync(CommandLine line, MirrorConfig config, CliContext context, CancellationToken cancellationToken)
    {
        var resource = line.Argument("resource");
        var id = line.Argument("id");
        var store = await MirrorFile.OpenAsync(config, mustExist: true, cancellationToken).ConfigureAwait(false);
        await using (store.ConfigureAwait(false))
        {
            var changes = await store.GetHistoryAsync(resource, id, cancellationToken).ConfigureAwait(false);
            if (changes.Count == 0)
            {
                throw new CommandFailedException(
                    ExitCodes.NotFound,
                    "not_found",
                    $"The mirror has no changes for record '{id}' of resource '{resource}'. Check the resource name (oxide-mirror describe lists them) and the id (as text, the way the record_id column shows it).");
            }

            if (line.Flags.Contains("--json"))
            {
                await context.Out.WriteLineAsync(Json(changes)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            TextTable.Write(context.Out, Columns, changes.Select(c => (IReadOnlyList<object?>)
            [
                c.Position, Time(c.AppliedAt), Time(c.OccurredAt), Name(c.Op.ToString()), Name(c.Decision.ToString()), c.Applied, c.Source, c.Confidence, c.Version,
                c.Exists ? c.Payload.GetRawText() : null,
            ]));
            await context.Out.WriteLineAsync(changes.Count == 1 ? "(1 change)" : string.Create(CultureInfo.InvariantCulture, $"({changes.Count:N0} changes)")).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
    }

    private static string Json(IReadOnlyList<RecordChange> changes)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var c in changes)
            {
                writer.WriteStartObject();
                writer.WriteNumber("position", c.Position);
                writer.WriteString("resource", c.Resource);
                writer.WriteString("record_id", c.RecordId);
                writer.WriteString("op", Name(c.Op.ToString()));
                writer.WriteString("decision", Name(c.Decision.ToString()));
                writer.WriteBoolean("applied", c.Applied);
                writer.WriteString("strategy", c.Strategy);
                writer.WriteString("source", c.Source);
                writer.WriteNumber("confidence", c.Confidence);
                writer.WriteString("occurred_at", c.OccurredAt);
                writer.WriteString("applied_at", c.AppliedAt);
                writer.WriteNumber("version", c.Version);
                if (c.DeltaId is null)
                {
                    writer.WriteNull("delta_id");
                }
                else
                {
                    writer.WriteString("delta_id", c.DeltaId);
                }

                writer.WritePropertyName("payload");
                Element(writer, c.Payload);
                writer.WritePropertyName("incoming_payload");
                Element(writer, c.IncomingPayload);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Element(Utf8JsonWriter writer, JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Undefined)
        {
            writer.WriteNullValue();
        }
        else
        {
            element.WriteTo(writer);
        }
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Name(string value) => value.ToLowerInvariant();
}
