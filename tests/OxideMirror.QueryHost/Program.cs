using System.Text.Json;
using OxideMirror.QueryHost;

// Usage: OxideMirror.QueryHost <spec.json>. Prints one JSON QueryReport line on stdout. This method touches no OxideMirror
// type, so that a plain SQLite connection opened here (OpenSqliteFirst) comes before OxideMirror's assembly runs any code.
var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
var spec = JsonSerializer.Deserialize<QuerySpec>(File.ReadAllText(args[0]), json)!;
if (spec.OpenSqliteFirst)
{
    EarlySqlite.Open();
}

Console.WriteLine(JsonSerializer.Serialize(await QueryRun.RunAsync(spec), json));
