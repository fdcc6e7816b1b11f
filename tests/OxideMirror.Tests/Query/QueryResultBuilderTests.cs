using System.Text;

namespace OxideMirror.Tests.Query;

/// <summary>The public seam another store builds its answers with: the same caps, counted as ToJson writes the answer.</summary>
public sealed class QueryResultBuilderTests
{
    private static readonly object?[][] Rows =
    [
        [1L, "Ada", """{"a":[1,2]}""", null],
        [2L, "Grace \"the admiral\" Hopper", "[]", 2.5],
        [3L, "Ünïcødé ✓", """{"nested":{"deep":true}}""", -1e300],
        [4L, new string('x', 300), null, 0.1],
        [5L, "<script>", "{}", double.NaN],
    ];

    [Fact]
    public void TryAdd_UnderAByteCap_CutsExactlyWhereTheAnswerAsWrittenWouldPassIt()
    {
        var all = Build(int.MaxValue, 10_000_000);
        var full = Encoding.UTF8.GetByteCount(all.ToJson());

        var fits = Enumerable.Range(full, 64).First(cap => !Build(int.MaxValue, cap).Truncated);
        var cut = Build(int.MaxValue, fits - 1);

        cut.Truncated.Should().BeTrue();
        cut.RowCount.Should().Be(Rows.Length - 1);
        Encoding.UTF8.GetByteCount(cut.ToJson()).Should().BeLessThanOrEqualTo(fits - 1);
        all.ToJson().Should().Contain("\"doc\":{\"nested\":{\"deep\":true}}", "a JSON column is written nested");
    }

    [Fact]
    public void TryAdd_PastTheRowCap_SetsTruncated_AndAddsNoMore()
    {
        var result = Build(3, 10_000_000);

        result.RowCount.Should().Be(3);
        result.Truncated.Should().BeTrue();
    }

    [Fact]
    public void Columns_RepeatedNames_AreMadeUnique()
    {
        var builder = new QueryResultBuilder(["id", "id", "id"], null, 10, 10_000);

        builder.Columns.Should().Equal("id", "id_2", "id_3");
    }

    [Fact]
    public void Constructor_NamesAloneOverTheCap_IsAQueryException()
    {
        var act = () => new QueryResultBuilder([new string('n', 500)], null, 10, 100);

        act.Should().Throw<QueryException>().WithMessage("*column names alone*");
    }

    private static QueryResult Build(int maxRows, long maxBytes)
    {
        var builder = new QueryResultBuilder(["id", "name", "doc", "score"], [false, false, true, false], maxRows, maxBytes);
        foreach (var row in Rows)
        {
            if (!builder.TryAdd((object?[])row.Clone()))
            {
                break;
            }
        }

        return builder.Build();
    }
}
