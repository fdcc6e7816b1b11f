using System.Globalization;
using System.Text.Json;

namespace OxideMirror.Benchmarks;

/// <summary>
/// The benchmark's deterministic data: three resources (customers, orders, tickets), payloads of about 150–400 bytes,
/// a mix of new records and updates of earlier ones.
/// </summary>
internal sealed class Workload
{
    private static readonly string[] Resources = ["customers", "orders", "tickets"];
    private static readonly string[] Statuses = ["open", "paid", "shipped", "cancelled", "refunded"];
    private static readonly string[] Countries = ["DE", "US", "FR", "JP", "BR", "IN"];
    private readonly Random _random;
    private readonly int[] _created = new int[3];

    private readonly int _only;

    public Workload(int seed, double updateShare = 0.4, int only = -1)
    {
        _random = new Random(seed);
        UpdateShare = updateShare;
        _only = only;
    }

    /// <summary>Creates a workload of new orders only: for the aggregate queries.</summary>
    public static Workload OrdersOnly(int seed) => new(seed, updateShare: 0, only: 1);

    public double UpdateShare { get; }

    public static List<List<Delta>> Batches(int seed, int count, int batchSize)
    {
        var workload = new Workload(seed);
        var batches = new List<List<Delta>>();
        for (var done = 0; done < count; done += batchSize)
        {
            batches.Add(workload.Next(Math.Min(batchSize, count - done)));
        }

        return batches;
    }

    public List<Delta> Next(int count)
    {
        var deltas = new List<Delta>(count);
        for (var i = 0; i < count; i++)
        {
            deltas.Add(Next());
        }

        return deltas;
    }

    public Delta Next()
    {
        var r = _only >= 0 ? _only : _random.Next(3);
        int id;
        if (_created[r] > 0 && _random.NextDouble() < UpdateShare)
        {
            id = _random.Next(_created[r]);
        }
        else
        {
            id = _created[r]++;
        }

        var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(_random.Next(0, 30_000_000));
        return Make(r, id, at);
    }

    /// <summary>Makes an upsert of resource <paramref name="r"/>: a new record when <paramref name="create"/> (or none exists yet), else an update of a random earlier one.</summary>
    public Delta Next(int r, bool create)
    {
        var id = create || _created[r] == 0 ? _created[r]++ : _random.Next(_created[r]);
        var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(_random.Next(0, 30_000_000));
        return Make(r, id, at);
    }

    /// <summary>Makes an upsert of record <paramref name="id"/> of resource <paramref name="r"/> (0 customers, 1 orders, 2 tickets).</summary>
    public Delta Make(int r, int id, DateTimeOffset at)
    {
        var recordId = Resources[r][0] + id.ToString(CultureInfo.InvariantCulture);
        var payload = r switch
        {
            0 => JsonSerializer.SerializeToElement(new
            {
                name = "Customer " + id.ToString(CultureInfo.InvariantCulture),
                email = $"user{id}@example{_random.Next(100)}.com",
                country = Countries[_random.Next(Countries.Length)],
                tier = _random.Next(4),
                balance = Math.Round(_random.NextDouble() * 10_000, 2),
                active = _random.Next(2) == 0,
                notes = new string('n', _random.Next(20, 180)),
            }),
            1 => JsonSerializer.SerializeToElement(new
            {
                customer_id = "c" + _random.Next(Math.Max(1, _created[0])).ToString(CultureInfo.InvariantCulture),
                status = Statuses[_random.Next(Statuses.Length)],
                amount = Math.Round(_random.NextDouble() * 2_000, 2),
                currency = "EUR",
                items = _random.Next(1, 20),
                placed_at = at.ToString("O", CultureInfo.InvariantCulture),
                comment = new string('o', _random.Next(10, 200)),
            }),
            _ => JsonSerializer.SerializeToElement(new
            {
                customer_id = "c" + _random.Next(Math.Max(1, _created[0])).ToString(CultureInfo.InvariantCulture),
                priority = "P" + _random.Next(1, 5).ToString(CultureInfo.InvariantCulture),
                status = Statuses[_random.Next(2)],
                title = "Ticket about " + new string('t', _random.Next(10, 60)),
                labels = new[] { "bug", "billing" },
                body = new string('b', _random.Next(40, 220)),
            }),
        };

        return new Delta
        {
            Resource = Resources[r],
            RecordId = recordId,
            Op = DeltaOp.Upsert,
            Payload = payload,
            OccurredAt = at,
            Provenance = new Provenance("bench", 0.5 + (_random.NextDouble() / 2)),
        };
    }
}

/// <summary>A source that generates its pages on demand, so a long sync never holds more than one page.</summary>
internal sealed class GeneratedSource(string id, int seed, int pages, int pageSize) : ISyncSource
{
    private readonly Workload _workload = new(seed);
    private int _served;

    public string Id { get; } = id;

    public Task<PullResult> PullAsync(string? cursor, CancellationToken cancellationToken = default)
    {
        var page = cursor is null ? 0 : int.Parse(cursor, CultureInfo.InvariantCulture);
        if (page != _served)
        {
            throw new InvalidOperationException($"The generated source serves pages in order; asked for {page}, next is {_served}.");
        }

        _served++;
        var deltas = _workload.Next(pageSize);
        return Task.FromResult(new PullResult(deltas, _served.ToString(CultureInfo.InvariantCulture), _served < pages));
    }
}
