namespace OxideMirror.PostgreSql.Tests;

public sealed class AgentSqlTests
{
    private static readonly Dictionary<string, object?> Tier = new(StringComparer.OrdinalIgnoreCase) { ["tier"] = "gold", ["n"] = 3 };

    [Theory]
    [InlineData("SELECT * FROM t WHERE tier = @tier", "SELECT * FROM t WHERE tier = $1")]
    [InlineData("SELECT * FROM t WHERE tier = :tier AND n > :n", "SELECT * FROM t WHERE tier = $1 AND n > $2")]
    [InlineData("SELECT @tier, @TIER, @n", "SELECT $1, $1, $2")]
    [InlineData("SELECT '@tier', \"@tier\", $$@tier$$, $x$ @tier ; $x$ FROM t", "SELECT '@tier', \"@tier\", $$@tier$$, $x$ @tier ; $x$ FROM t")]
    [InlineData("SELECT E'it\\'s @tier ;' -- @tier ;\n, 1", "SELECT E'it\\'s @tier ;' -- @tier ;\n, 1")]
    [InlineData("SELECT 'a'::text, x::tier, arr[1:n] /* @tier ; /* nested ; */ */ FROM t;", "SELECT 'a'::text, x::tier, arr[1:n] /* @tier ; /* nested ; */ */ FROM t")]
    [InlineData("SELECT tags @> '[1]', a@tier FROM t", "SELECT tags @> '[1]', a@tier FROM t")]
    public void Rewrite_NamedParametersBecomePositional_OnlyOutsideLiteralsAndComments(string sql, string expected)
    {
        AgentSql.Rewrite(sql, Tier, []).Should().Be(expected);
    }

    [Theory]
    [InlineData("SELECT 1; SELECT 2")]
    [InlineData("SELECT 1;;")]
    [InlineData("SELECT '1;' ; DELETE FROM t")]
    [InlineData("SELECT $$;$$; DELETE FROM t")]
    [InlineData("SELECT 1 -- c\n; DELETE FROM t")]
    public void Rewrite_MoreThanOneStatement_IsRefused(string sql)
    {
        var act = () => AgentSql.Rewrite(sql, Tier, []);

        act.Should().Throw<QueryNotReadOnlyException>().WithMessage("*more than one statement*");
    }

    [Theory]
    [InlineData("SELECT 1;")]
    [InlineData("SELECT 1; -- done")]
    [InlineData("SELECT 1 ; /* done */  ")]
    public void Rewrite_OneTrailingSemicolon_EndsTheOneStatement(string sql)
    {
        AgentSql.Rewrite(sql, Tier, []).TrimEnd().Should().Be("SELECT 1");
    }

    [Fact]
    public void Rewrite_AtNameWithoutValue_IsRefusedNamingIt()
    {
        var act = () => AgentSql.Rewrite("SELECT * FROM t WHERE a = @missing", Tier, []);

        act.Should().Throw<QueryException>().WithMessage("*@missing*no value named 'missing'*");
    }

    [Theory]
    [InlineData("  /* x */ (SELECT 1)", "select")]
    [InlineData("-- c\nWITH a AS (SELECT 1) SELECT * FROM a", "with")]
    [InlineData("copy t to stdout", "copy")]
    public void FirstWord_SkipsCommentsAndParentheses(string sql, string expected)
    {
        AgentSql.FirstWord(sql).Should().Be(expected);
    }
}
