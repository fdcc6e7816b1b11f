using Microsoft.Data.Sqlite;

namespace OxideMirror.Tests.Write;

/// <summary>The resource table's shape on its own (<see cref="ResourceTable.CreateTableSql"/>), the one definition the live table and its as-of copy are created from.</summary>
public sealed class ResourceTableTests
{
    [Fact]
    public void CreateTableSql_PayloadColumns_AreSystemColumnsThenPayloadColumnsWithoutDeclaredType()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = ResourceTable.CreateTableSql("customers", ["name", "order"], schema: "main");
        command.ExecuteNonQuery();

        command.CommandText = "SELECT name, type, \"notnull\", pk FROM pragma_table_info('customers') ORDER BY cid";
        var columns = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                columns.Add($"{reader.GetString(0)} {reader.GetString(1)} {reader.GetInt64(2)} {reader.GetInt64(3)}");
            }
        }

        columns.Should().Equal(
            "record_id TEXT 1 1", "_source TEXT 1 0", "_confidence REAL 1 0", "_version INTEGER 1 0", "_synced_at TEXT 1 0", "_occurred_at TEXT 1 0",
            "name  0 0", "order  0 0");
        columns.Take(Identifiers.SystemColumns.Length).Select(c => c.Split(' ')[0]).Should().Equal(Identifiers.SystemColumns);
    }

    [Fact]
    public void CreateTableSql_NoPayloadColumns_IsTheNewResourceTable()
    {
        ResourceTable.CreateTableSql("pets", []).Should().Be(
            "CREATE TABLE \"pets\" (record_id TEXT PRIMARY KEY NOT NULL, _source TEXT NOT NULL, _confidence REAL NOT NULL, _version INTEGER NOT NULL, _synced_at TEXT NOT NULL, _occurred_at TEXT NOT NULL)");
    }
}
