using System.Collections.Concurrent;
using System.Text.Json;

namespace OxideMirror.Tests.Kernel;

/// <summary>
/// Runs a <see cref="MirrorModule"/> on an <see cref="InMemoryMessageBus"/> over its own in-memory store, with a
/// <c>pets</c> source of three records, and sends commands the way a host would, matching answers by correlation id.
/// </summary>
internal sealed class ModuleHarness : IAsyncDisposable
{
    /// <summary>A safety net so a broken module fails a test instead of hanging it; not an assertion on speed.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, TaskCompletionSource<BusEvent>> _waiting = new();
    private readonly ConcurrentQueue<BusEvent> _events = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _reader;

    private ModuleHarness(MirrorStore store, Syncer syncer, MirrorModule module, InMemoryMessageBus bus)
    {
        Store = store;
        Syncer = syncer;
        Module = module;
        Bus = bus;
    }

    public MirrorStore Store { get; }

    public Syncer Syncer { get; }

    public MirrorModule Module { get; }

    public InMemoryMessageBus Bus { get; }

    /// <summary>Gets every event received, in arrival order.</summary>
    public IReadOnlyList<BusEvent> Events => [.. _events];

    public static async Task<ModuleHarness> StartAsync(Action<Syncer>? addSources = null, MirrorModuleOptions? options = null, MirrorStoreOptions? storeOptions = null)
    {
        var store = await MirrorStore.OpenInMemoryAsync(storeOptions);
        var syncer = new Syncer(store);
        syncer.AddSource(StaticSource.FromDeltas("pets", Pets()));
        addSources?.Invoke(syncer);
        var bus = new InMemoryMessageBus();
        var module = new MirrorModule(store, syncer, options);
        var harness = new ModuleHarness(store, syncer, module, bus);
        harness._reader = harness.ReadEventsAsync(bus.SubscribeAsync(harness._stop.Token));
        await module.InitAsync(bus);
        await module.StartAsync();
        return harness;
    }

    public static IEnumerable<Delta> Pets() =>
    [
        Delta.Upsert("pets", "1", new { name = "Rex", species = "dog", age = 3 }, "pets"),
        Delta.Upsert("pets", "2", new { name = "Tom", species = "cat", age = 5 }, "pets"),
        Delta.Upsert("pets", "3", new { name = "Kiki", species = "bird", age = 1 }, "pets"),
    ];

    /// <summary>Publishes a command and returns the task of its answer (without waiting for it).</summary>
    public async Task<Task<BusEvent>> SendOnlyAsync(string method, object? args = null, string target = "mirror", string? correlationId = null)
    {
        var command = BusCommand.Create(target, method, args, correlationId);
        return await SendOnlyAsync(command);
    }

    public async Task<Task<BusEvent>> SendOnlyAsync(BusCommand command)
    {
        var answer = _waiting.GetOrAdd(command.CorrelationId, _ => new TaskCompletionSource<BusEvent>(TaskCreationOptions.RunContinuationsAsynchronously));
        await Bus.PublishAsync(command);
        return answer.Task;
    }

    public async Task<BusEvent> SendAsync(string method, object? args = null, string target = "mirror")
    {
        var answer = await SendOnlyAsync(method, args, target);
        return await answer.WaitAsync(Patience);
    }

    public async Task<BusEvent> SendAsync(BusCommand command) => await (await SendOnlyAsync(command)).WaitAsync(Patience);

    public static Task<BusEvent> Within(Task<BusEvent> answer) => answer.WaitAsync(Patience);

    public static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await Module.DisposeAsync();
        await _stop.CancelAsync();
        if (_reader is not null)
        {
            await _reader;
        }

        _stop.Dispose();
        await Store.DisposeAsync();
    }

    private async Task ReadEventsAsync(IAsyncEnumerable<BusMessage> messages)
    {
        try
        {
            await foreach (var message in messages)
            {
                if (message is BusEvent evt)
                {
                    _events.Enqueue(evt);
                    _waiting.GetOrAdd(evt.CorrelationId, _ => new TaskCompletionSource<BusEvent>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(evt);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
