using System.Diagnostics;
using OxideMirror.Contract.Tests;

namespace OxideMirror.PostgreSql.Tests;

/// <summary>
/// The project's hostile query corpus, written against the SQLite store (writes hidden in CTEs, PRAGMAs, ATTACH,
/// extension loading, NUL bytes, runaway recursion, huge values, …), sent as agent SQL to the PostgreSQL store: each
/// is refused as an agent query or answered within the caps and the time limit, and none changes the mirror or writes
/// a file.
/// </summary>
[Collection(PostgresTests.Name)]
public sealed class HostileCorpusTests(PostgresServer server)
{
    private const int MaxRows = 1_000;
    private const long MaxBytes = 1024 * 1024;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(2);

    public static TheoryData<string, string> Corpus()
    {
        var data = new TheoryData<string, string>();
        foreach (var row in HostileCorpus.Cases())
        {
            data.Add((string)row[0], (string)row[2]);
        }

        return data;
    }

    [PostgresTheory]
    [MemberData(nameof(Corpus))]
    public async Task QueryAsync_SqliteHostileCorpus_IsRefusedOrBounded_AndChangesNothing(string name, string sql)
    {
        var (store, cs) = await Seeded.OpenAsync(server);
        await using var _ = store;
        var token = "hostile-" + Guid.NewGuid().ToString("N")[..12];
        var dir = Directory.CreateTempSubdirectory("oxidemirror-corpus-").FullName;
        try
        {
            var resolved = sql.Replace("{dir}", dir, StringComparison.Ordinal).Replace("{token}", token, StringComparison.Ordinal);
            var before = await Seeded.FingerprintAsync(cs);

            var watch = Stopwatch.StartNew();
            QueryResult? result = null;
            try
            {
                result = await store.QueryAsync(resolved, options: new QueryOptions { Timeout = Limit, MaxRows = MaxRows, MaxBytes = MaxBytes });
            }
            catch (Exception ex)
            {
                ex.Should().Match<Exception>(e => e is QueryException || e is ArgumentException, "{0} must fail as an agent query, not as {1}: {2}", name, ex.GetType().Name, ex.Message);
            }

            watch.Stop();

            // A bound, not a speed: the limit plus the client's cancel and a loaded machine's slack.
            watch.Elapsed.Should().BeLessThan(Limit + TimeSpan.FromSeconds(20), "{0} must stop at the time limit", name);
            if (result is not null)
            {
                result.RowCount.Should().BeLessThanOrEqualTo(MaxRows, "{0}'s answer is cut at the row cap", name);
                System.Text.Encoding.UTF8.GetByteCount(result.ToJson()).Should().BeLessThanOrEqualTo((int)MaxBytes, "{0}'s answer is cut at the byte cap", name);
            }

            (await Seeded.FingerprintAsync(cs)).Should().Be(before, "{0} must not change the mirror", name);
            Directory.EnumerateFileSystemEntries(dir).Should().BeEmpty("{0} must not write a file", name);
            Directory.EnumerateFileSystemEntries(Path.GetTempPath(), token + "*").Should().BeEmpty("{0} must not write a file", name);
            Directory.EnumerateFileSystemEntries(Environment.CurrentDirectory, token + "*").Should().BeEmpty("{0} must not write a file", name);
            (await store.QueryAsync("SELECT count(*) AS n FROM customers")).Rows[0]["n"].Should().Be(2L, "the store still answers after {0}", name);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);

            // Each case seeds a database of its own: close its idle pooled connections, or 191 cases exhaust the server's.
            Npgsql.NpgsqlConnection.ClearAllPools();
        }
    }
}
