using System.Text;
using Microsoft.Data.Sqlite;

namespace OxideMirror.Tests.Query.Sandbox;

/// <summary>
/// Checks the count the per-query value cap is divided by: everyday agent queries hold few values and keep the store's
/// full cap or most of it (half of 256 MiB over 16 steps is the whole 8 MiB, over 40 steps 3.2 MiB), while programs
/// that build, compare or copy many values count each step.
/// </summary>
public sealed class ProgramCostTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new();
    private SqliteConnection _connection = null!;

    public static TheoryData<string, int> Everyday() => new()
    {
        { "SELECT count(*) FROM customers", 2 },
        { "SELECT name FROM customers WHERE record_id = @id", 6 },
        { "SELECT * FROM customers", 16 },
        { "SELECT tier, count(*) AS n FROM customers GROUP BY tier ORDER BY n DESC", 24 },
        {
            """
            SELECT c.name AS customer, count(*) AS invoices, sum(i.amount) AS billed
            FROM customers c JOIN invoices i ON i.customer_id = c.record_id
            WHERE c.tier = @tier
            GROUP BY c.record_id HAVING billed > @minimum ORDER BY billed DESC
            """, 40
        },
        { "SELECT i.record_id, json_extract(c.address, '$.city') AS city, i.amount FROM invoices i JOIN customers c ON c.record_id = i.customer_id WHERE i.status = 'open' ORDER BY i.amount DESC LIMIT 10", 40 },
        { "SELECT value AS tag, count(*) FROM customers, json_each(customers.tags) GROUP BY value", 40 },
    };

    public async Task InitializeAsync()
    {
        await using (await TwoServiceMirror.OpenAsync(_directory.File()))
        {
        }

        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _directory.File(), Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        _connection.Open();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _connection.Dispose();
        _directory.Dispose();
    }

    [Theory]
    [MemberData(nameof(Everyday))]
    public void Measure_EverydayQuery_CountsFewValues(string sql, int atMost)
    {
        var count = Measure(sql);

        count.Should().BeInRange(1, atMost);
    }

    [Fact]
    public void Measure_CountsEveryColumnAndEveryCall()
    {
        var one = Measure("SELECT hex(zeroblob(10))");
        var hundred = Measure("SELECT " + HostileQueryTests.Numbered("hex(zeroblob({0}))", 100));
        var star = Measure("SELECT * FROM customers");
        var stars = Measure("SELECT *, *, * FROM customers");

        hundred.Should().BeGreaterThanOrEqualTo(100 * one);
        stars.Should().BeGreaterThanOrEqualTo(3 * (star - 1));
    }

    [Fact]
    public void Measure_EveryColumnTwiceOverAThreeWayJoin_CountsEachColumnRead()
    {
        var count = Measure("SELECT *, * FROM customers c JOIN invoices i ON i.customer_id = c.record_id JOIN mirror_records r ON r.record_id = i.record_id");

        // Each column of the three tables read twice, plus the join's seeks and comparisons: 74 here.
        count.Should().BeInRange(62, 100);
    }

    [Fact]
    public void Measure_StatementAtTheSqlLengthLimit_StillReadsItsProgram()
    {
        SQLitePCL.raw.sqlite3_limit(_connection.Handle!, SQLitePCL.raw.SQLITE_LIMIT_SQL_LENGTH, 1000);
        var sql = "SELECT '" + new string('x', 1000 - 10) + "'";

        var count = Measure(sql);

        sql.Length.Should().Be(999);
        count.Should().BeGreaterThanOrEqualTo(1);
        SQLitePCL.raw.sqlite3_limit(_connection.Handle!, SQLitePCL.raw.SQLITE_LIMIT_SQL_LENGTH, -1).Should().Be(1000, "the limit is put back");
    }

    private int Measure(string sql) => ProgramCost.Measure(_connection.Handle!, Encoding.UTF8.GetBytes(sql));
}
