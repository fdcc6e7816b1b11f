using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace OxideMirror.CrashHost;

/// <summary>
/// Serves a large, deterministic multi-page change feed: <see cref="Pages"/> pages of <see cref="PageSize"/> deltas
/// across three resources, mixing new records, updates of earlier records and deletes, with payloads of roughly
/// 150–400 bytes. Everything follows from the seed and the delta's position, so <see cref="PullAsync"/> returns the
/// same page for the same cursor in every process, which is what a restarted sync relies on.
/// </summary>
/// <remarks>
/// The cursor is the number of pages served so far, as invariant text: <see langword="null"/> starts at the first
/// page, <c>"1"</c> is the cursor after it, and <c>Pages.ToString()</c> is the cursor after the last page (pulling from
/// it returns an empty page that keeps the cursor). Deltas of the <c>orders</c> resource carry a <see cref="Delta.DeltaId"/>;
/// the others do not, so both apply paths are exercised. This type is thread-safe.
/// </remarks>
public sealed class GeneratedSource : ISyncSource
{
    private const int NewPercent = 50;
    private const int UpdatePercent = 38;
    private const int RecentWindow = 2000;

    private static readonly string[] Names = ["Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "Edsger", "Radia", "Alan", "Hedy"];
    private static readonly string[] Statuses = ["new", "open", "pending", "active", "paused", "closed", "archived"];
    private static readonly string[] Words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima"];
    private static readonly string[] Cities = ["Lisbon", "Oslo", "Quito", "Hanoi", "Dakar", "Perth", "Lima", "Riga"];
    private static readonly double[] Confidences = [1.0, 0.9, 0.75, 0.5];

    private int _pullCount;

    /// <summary>Initializes a new instance of the <see cref="GeneratedSource"/> class.</summary>
    /// <param name="seed">The seed every delta is derived from.</param>
    /// <param name="pages">How many pages the feed has.</param>
    /// <param name="pageSize">How many deltas each page holds.</param>
    /// <param name="id">The source's id. The default is <c>generated</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pages"/> or <paramref name="pageSize"/> is less than 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty.</exception>
    public GeneratedSource(int seed, int pages, int pageSize, string id = "generated")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        Seed = seed;
        Pages = pages;
        PageSize = pageSize;
        Id = id;
    }

    /// <summary>Gets the resources the feed's records belong to.</summary>
    public static IReadOnlyList<string> Resources { get; } = ["customers", "orders", "tickets"];

    /// <summary>Gets the event time of the first delta; delta <c>n</c> occurred <c>n</c> seconds later.</summary>
    public static DateTimeOffset Epoch { get; } = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <inheritdoc />
    public string Id { get; }

    /// <summary>Gets the seed every delta is derived from.</summary>
    public int Seed { get; }

    /// <summary>Gets how many pages the feed has.</summary>
    public int Pages { get; }

    /// <summary>Gets how many deltas each page holds.</summary>
    public int PageSize { get; }

    /// <summary>Gets how many deltas the whole feed holds.</summary>
    public long TotalDeltas => (long)Pages * PageSize;

    /// <summary>Gets how many times <see cref="PullAsync"/> was called.</summary>
    public int PullCount => Volatile.Read(ref _pullCount);

    /// <summary>Turns a cursor into the number of pages it says were served.</summary>
    /// <param name="cursor">A cursor this source returned, or <see langword="null"/>.</param>
    /// <returns>The number of pages before the cursor (0 for <see langword="null"/>).</returns>
    /// <exception cref="ArgumentException"><paramref name="cursor"/> is not a page count.</exception>
    public static int PagesBefore(string? cursor)
    {
        if (cursor is null)
        {
            return 0;
        }

        return int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var pages)
            ? pages
            : throw new ArgumentException($"The cursor '{cursor}' is not a page count. Pass null or a cursor a GeneratedSource returned.", nameof(cursor));
    }

    /// <summary>Formats the cursor that follows <paramref name="pages"/> served pages.</summary>
    /// <param name="pages">The number of pages served.</param>
    /// <returns>The cursor, or <see langword="null"/> for 0.</returns>
    public static string? CursorAfter(int pages) => pages == 0 ? null : pages.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="cursor"/> is not a cursor of this source.</exception>
    public Task<PullResult> PullAsync(string? cursor, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _pullCount);
        var page = PagesBefore(cursor);
        if (page < 0 || page > Pages)
        {
            throw new ArgumentException($"The cursor '{cursor}' is past the end of source '{Id}', which has {Pages} pages. Pass null or a cursor this source returned.", nameof(cursor));
        }

        if (page == Pages)
        {
            return Task.FromResult(PullResult.Empty(cursor));
        }

        return Task.FromResult(new PullResult(Page(page), CursorAfter(page + 1), page + 1 < Pages));
    }

    /// <summary>Builds one page of the feed.</summary>
    /// <param name="page">The zero-based page number.</param>
    /// <returns>The page's deltas, in order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="page"/> is not a page of the feed.</exception>
    public IReadOnlyList<Delta> Page(int page)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(page);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(page, Pages);
        var deltas = new Delta[PageSize];
        var first = (long)page * PageSize;
        for (var i = 0; i < deltas.Length; i++)
        {
            deltas[i] = DeltaAt(first + i);
        }

        return deltas;
    }

    /// <summary>Builds the feed's delta at a position.</summary>
    /// <param name="index">The zero-based position in the whole feed.</param>
    /// <returns>The delta.</returns>
    public Delta DeltaAt(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var kind = Kind(index);
        var key = kind == 0 ? index : EarlierKey(index);
        var resource = Resources[(int)(Mix(key, 2) % (ulong)Resources.Count)];
        var recordId = "r" + key.ToString("D7", CultureInfo.InvariantCulture);
        var random = new Random(unchecked((int)Mix(index, 3)));
        var delta = new Delta
        {
            Resource = resource,
            RecordId = recordId,
            Op = kind == 2 ? DeltaOp.Delete : DeltaOp.Upsert,
            Payload = kind == 2 ? default : Payload(recordId, index, random),
            OccurredAt = Epoch.AddSeconds(index),
            Provenance = new Provenance(Id, Confidences[random.Next(Confidences.Length)]),
        };
        return resource == "orders" ? delta.WithId("d" + index.ToString(CultureInfo.InvariantCulture)) : delta;
    }

    /// <summary>Says what delta <paramref name="index"/> does: 0 creates a record, 1 updates an earlier one, 2 deletes an earlier one.</summary>
    private int Kind(long index)
    {
        if (index < 16)
        {
            return 0;
        }

        var percent = (int)(Mix(index, 1) % 100);
        return percent < NewPercent ? 0 : percent < NewPercent + UpdatePercent ? 1 : 2;
    }

    /// <summary>Picks the key of a record created before <paramref name="index"/>, half the time a recent one.</summary>
    private long EarlierKey(long index)
    {
        var pick = Mix(index, 4);
        var low = (pick & 1) == 0 ? Math.Max(0, index - RecentWindow) : 0;
        var key = low + (long)((pick >> 1) % (ulong)(index - low));
        while (Kind(key) != 0)
        {
            key--;
        }

        return key;
    }

    private static JsonElement Payload(string recordId, long index, Random random)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", recordId);
            json.WriteNumber("rev", index);
            json.WriteString("name", Names[random.Next(Names.Length)]);
            json.WriteString("status", Statuses[random.Next(Statuses.Length)]);
            json.WriteNumber("amount_cents", random.Next(0, 1_000_000));
            if (random.Next(10) < 7)
            {
                json.WriteStartArray("tags");
                for (var i = random.Next(1, 5); i > 0; i--)
                {
                    json.WriteStringValue(Words[random.Next(Words.Length)]);
                }

                json.WriteEndArray();
            }

            if (random.Next(2) == 0)
            {
                json.WriteStartObject("address");
                if (random.Next(3) > 0)
                {
                    json.WriteString("city", Cities[random.Next(Cities.Length)]);
                }

                json.WriteString("zip", random.Next(10_000, 99_999).ToString(CultureInfo.InvariantCulture));
                json.WriteEndObject();
            }

            json.WriteString("note", Note(random, random.Next(60, 230)));
            json.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static string Note(Random random, int length) =>
        string.Create(length, random, static (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                var c = r.Next(32);
                span[i] = c < 26 ? (char)('a' + c) : ' ';
            }
        });

    /// <summary>Hashes the seed, a position and a salt into 64 well-mixed bits (SplitMix64's finaliser).</summary>
    private ulong Mix(long value, int salt)
    {
        unchecked
        {
            var z = ((ulong)(uint)Seed << 32) ^ ((ulong)value * 0x9E3779B97F4A7C15UL) ^ ((ulong)salt * 0xD1B54A32D192ED03UL);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
