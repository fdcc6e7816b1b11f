using System.Globalization;
using CsCheck;
using Microsoft.Data.Sqlite;

namespace OxideMirror.Tests.Query.Sandbox;

/// <summary>
/// The query connection's own instr, replace, trim, ltrim and rtrim must answer exactly as SQLite's built-ins do, for
/// every type of argument, including text that is not valid UTF-8 and text with NUL bytes inside.
/// </summary>
public sealed class GuardedFunctionsTests : IAsyncLifetime, IDisposable
{
    // Bytes that make the edge cases likely: ASCII, NUL, lead and continuation bytes of 2-, 3- and 4-byte characters.
    private static readonly byte[] Alphabet = [(byte)'a', (byte)'b', (byte)' ', 0x00, 0xC3, 0xA9, 0x80, 0xBF, 0xE2, 0x82, 0xAC, 0xF0, 0x9F];

    private MirrorStore _store = null!;
    private SqliteConnection _plain = null!;

    public async Task InitializeAsync()
    {
        _store = await MirrorStore.OpenInMemoryAsync();
        _plain = new SqliteConnection("Data Source=:memory:");
        _plain.Open();
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    public void Dispose() => _plain.Dispose();

    [Theory]
    [InlineData("instr", 2)]
    [InlineData("replace", 3)]
    [InlineData("trim", 2)]
    [InlineData("ltrim", 2)]
    [InlineData("rtrim", 2)]
    public async Task QueryAsync_GuardedFunction_AnswersLikeSqlitesBuiltIn(string function, int arity)
    {
        var argument = Gen.Select(Gen.Int[0, 4], Gen.OneOfConst(Alphabet).Array[0, 6], Gen.Long[-20, 20], (kind, bytes, number) => new Argument(kind, bytes, number));

        await argument.Array[arity, arity].SampleAsync(
            async arguments =>
            {
                var sql = $"SELECT typeof(r) AS t, hex(r) AS h FROM (SELECT {function}({string.Join(", ", arguments.Select((a, i) => a.Sql(i)))}) AS r)";
                var parameters = arguments.Select((a, i) => (Name: "p" + i.ToString(CultureInfo.InvariantCulture), a.Value)).ToList();

                var guarded = (await _store.QueryAsync(sql, parameters.ToDictionary(p => p.Name, p => p.Value))).Rows.Single();
                using var command = _plain.CreateCommand();
                command.CommandText = sql;
                foreach (var (name, value) in parameters)
                {
                    command.Parameters.AddWithValue("@" + name, value ?? DBNull.Value);
                }

                using var reader = command.ExecuteReader();
                reader.Read().Should().BeTrue();
                $"{guarded["t"]}:{guarded["h"]}".Should().Be($"{reader.GetString(0)}:{reader.GetString(1)}", sql);
                return true;
            },
            iter: 400,
            threads: 1,
            print: arguments => string.Join(", ", arguments.Select(a => a.ToString())));
    }

    [Fact]
    public async Task QueryAsync_QuadraticStringWork_IsRefusedInsteadOfRunningForHours()
    {
        // Each of these ran, uninterruptibly, for seconds to hours in SQLite's built-ins (trim(8 MB, 8 MB) about 40 hours).
        string[] queries =
        [
            "SELECT instr(printf('%.*c', 2000000, 'a'), printf('%.*c', 1000000, 'a') || 'b')",
            "SELECT replace(printf('%.*c', 2000000, 'a'), printf('%.*c', 1000000, 'a') || 'b', '')",
            HostileQueryTests.ManyCharacters("trim"),
            HostileQueryTests.ManyCharacters("rtrim"),
            "SELECT unhex(printf('%.*c', 100000, 'x'), printf('%.*c', 100000, 'y') || 'x')",
        ];

        foreach (var sql in queries)
        {
            // A long limit, so that the guarded function refuses the call and not a loaded machine's clock the query.
            var query = () => _store.QueryAsync(sql, null, new QueryOptions { Timeout = TimeSpan.FromSeconds(20) });
            (await query.Should().ThrowAsync<QueryException>(sql)).Which.Message.Should().MatchRegex("too many|not available");
        }

        // A long character set alone costs nothing extra: only the characters that start (or end) with the byte at hand
        // are compared. SQLite's own trim compared all 100,001 at each of 100,000 positions.
        (await _store.QueryAsync("SELECT length(trim(printf('%.*c', 100000, 'a'), printf('%.*c', 100000, 'b') || 'a')) AS n"))
            .Rows.Single()["n"].Should().Be(0L);
        var row = (await _store.QueryAsync("SELECT instr('abc', 'c') AS i, replace('a-b', '-', '') AS r, trim('xxaxx', 'x') AS t, unhex('4142') AS u")).Rows.Single();
        row["i"].Should().Be(3L);
        row["r"].Should().Be("ab");
        row["t"].Should().Be("a");
        row["u"].Should().BeEquivalentTo("AB"u8.ToArray());
    }

    /// <summary>One argument: NULL, an integer, a real, text made from raw bytes (so possibly invalid UTF-8), or a BLOB.</summary>
    public sealed record Argument(int Kind, byte[] Bytes, long Number)
    {
        public object? Value => Kind switch
        {
            1 => Number,
            2 => Number + 0.5,
            3 or 4 => Bytes,
            _ => null,
        };

        public string Sql(int index) => Kind switch
        {
            0 => "NULL",
            3 => $"CAST(@p{index} AS TEXT)",
            _ => $"@p{index}",
        };

        public override string ToString() => Kind switch
        {
            0 => "NULL",
            1 => Number.ToString(CultureInfo.InvariantCulture),
            2 => (Number + 0.5).ToString(CultureInfo.InvariantCulture),
            3 => "text x'" + Convert.ToHexString(Bytes) + "'",
            _ => "blob x'" + Convert.ToHexString(Bytes) + "'",
        };
    }
}
