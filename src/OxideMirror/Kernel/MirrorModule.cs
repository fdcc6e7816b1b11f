using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace OxideMirror.Kernel;

/// <summary>
/// Serves a mirror — a <see cref="MirrorStore"/>, or any store's <see cref="MirrorReader"/> — and its <see cref="Syncer"/> on a host's message bus: listens for
/// <see cref="BusCommand"/>s addressed to its id and answers each with a <c>&lt;method&gt;.ok</c> or
/// <c>&lt;method&gt;.err</c> <see cref="BusEvent"/> that carries the command's correlation id.
/// </summary>
/// <remarks>
/// <para>
/// Each command runs on its own task, up to <see cref="MirrorModuleOptions.MaxConcurrentCommands"/> at once, so queries and
/// reads are answered while a sync runs. Two syncs of the same source never overlap: the second is queued behind the first
/// (the store serialises syncs per source) and then resumes from the first one's cursor.
/// </para>
/// <para>
/// A bad command never stops the module: malformed payloads, unknown methods, unknown sources, refused, failed or timed-out
/// queries and failed syncs each become an <c>.err</c> event with a code from <see cref="MirrorErrorCodes"/>.
/// The module only translates; the store and the syncer do the work. This type is thread-safe.
/// </para>
/// </remarks>
public sealed partial class MirrorModule : IKernelModule, IAsyncDisposable
{
    private readonly MirrorModuleOptions _options;
    private readonly QueryCeilings _ceilings;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, Task> _inFlight = new();
    private readonly CancellationTokenSource _work = new();
    private readonly Lock _gate = new();
    private SemaphoreSlim? _slots;
    private CancellationTokenSource? _listening;
    private IMessageBus? _bus;
    private Task? _loop;
    private Task? _stopping;
    private int _disposed;
    private long _nextId;
    private int _state; // 0 created, 1 initialised, 2 started, 3 stopped

    /// <summary>Initializes a new instance of the <see cref="MirrorModule"/> class over a SQLite store.</summary>
    /// <param name="store">The store to read and query.</param>
    /// <param name="syncer">The syncer that syncs the store's sources.</param>
    /// <param name="options">The module's options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> or <paramref name="syncer"/> is null.</exception>
    /// <exception cref="ArgumentException">The syncer syncs a different store, or <see cref="MirrorModuleOptions.ModuleId"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or a query ceiling is above the store's own limit.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The two constructors differ in their first, required parameter (a store or a reader), so no call binds to both.")]
    public MirrorModule(MirrorStore store, Syncer syncer, MirrorModuleOptions? options = null)
        : this((store ?? throw new ArgumentNullException(nameof(store))).Reader, syncer, options)
    {
    }

    /// <summary>
    /// Initializes a new instance of the <see cref="MirrorModule"/> class over a mirror's reader side, whichever store is
    /// behind it (<see cref="MirrorStore.Reader"/>, or OxideMirror.PostgreSql's <c>PostgresMirrorStore.Reader</c>).
    /// </summary>
    /// <param name="reader">The reader the module's reads and queries go through. A <c>query</c> with <c>as_of</c> needs <see cref="MirrorReaderCapabilities.TimeTravel"/>; without it the command is answered <c>query_failed</c>, as the reader throws.</param>
    /// <param name="syncer">The syncer that syncs the same mirror (over a SQLite store, the syncer of that store; over another store, one writing through that store's writer, which the module trusts).</param>
    /// <param name="options">The module's options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="reader"/> or <paramref name="syncer"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The syncer writes a SQLite store other than the reader's, or writes another kind of store than the reader's; or
    /// <see cref="MirrorModuleOptions.ModuleId"/> is empty.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or a query ceiling is above the reader's own limit.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The two constructors differ in their first, required parameter (a store or a reader), so no call binds to both.")]
    public MirrorModule(MirrorReader reader, Syncer syncer, MirrorModuleOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(syncer);
        var store = reader.SqliteStore;
        if (!ReferenceEquals(syncer.Store, store))
        {
            throw new ArgumentException(
                store is null || syncer.Store is null
                    ? "The syncer writes another kind of store than the module reads. Pass a syncer over the same mirror's writer (new Syncer(store.Writer))."
                    : "The syncer applies changes to a different store than the module reads. Pass the syncer created for this store.",
                nameof(syncer));
        }

        _options = options ?? new MirrorModuleOptions();
        _options.Validate();
        _ceilings = MirrorModuleOptions.Ceilings(_options, reader);
        Reader = reader;
        Store = store;
        Syncer = syncer;
        _logger = _options.LoggerFactory.CreateLogger<MirrorModule>();
        Info = new ModuleInfo(
            _options.ModuleId,
            "OxideMirror",
            typeof(MirrorModule).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            "data",
            "Answers SQL queries and record reads over a local, event-sourced mirror of remote API data, and syncs its sources.");
    }

    /// <inheritdoc />
    public ModuleInfo Info { get; }

    /// <summary>Gets the reader the module's reads and queries go through.</summary>
    public MirrorReader Reader { get; }

    /// <summary>Gets the SQLite store the module serves, or <see langword="null"/> when it serves another store's <see cref="Reader"/>.</summary>
    public MirrorStore? Store { get; }

    /// <summary>Gets the syncer the module syncs with.</summary>
    public Syncer Syncer { get; }

    /// <summary>Gets how many commands are being handled right now.</summary>
    public int InFlightCount => _inFlight.Count;

    /// <summary>Connects the module to the bus it will listen and answer on.</summary>
    /// <param name="bus">The bus.</param>
    /// <param name="cancellationToken">A token to cancel initialisation.</param>
    /// <returns>A completed task.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="bus"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The module was already initialised.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task InitAsync(IMessageBus bus, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bus);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_state != 0)
            {
                throw new InvalidOperationException("The mirror module was already initialised. Call InitAsync once, then StartAsync.");
            }

            _bus = bus;
            _state = 1;
        }

        return Task.CompletedTask;
    }

    /// <summary>Subscribes to the bus and starts answering commands; the subscription is open when the returned task completes.</summary>
    /// <param name="cancellationToken">A token to cancel starting.</param>
    /// <returns>A completed task.</returns>
    /// <exception cref="InvalidOperationException">The module was not initialised, or was already started.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_state != 1)
            {
                throw new InvalidOperationException(_state == 0
                    ? "The mirror module was not initialised. Call InitAsync(bus) before StartAsync."
                    : "The mirror module was already started. A module starts once.");
            }

            _slots = new SemaphoreSlim(_options.MaxConcurrentCommands, _options.MaxConcurrentCommands);
            _listening = new CancellationTokenSource();
            var messages = _bus!.SubscribeAsync(_listening.Token);
            var listening = _listening.Token;
            _loop = Task.Run(() => ListenAsync(messages, listening), CancellationToken.None);
            _state = 2;
        }

        KernelLog.Started(_logger, _options.ModuleId, _options.MaxConcurrentCommands);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops reading commands and waits for those in flight to finish; when <paramref name="cancellationToken"/> fires first,
    /// cancels them (each is answered with a <c>cancelled</c> error). Nothing of the module runs after the task completes.
    /// </summary>
    /// <param name="cancellationToken">A token that turns the graceful stop into cancelling the commands in flight.</param>
    /// <returns>A task that completes when every command has finished or been cancelled.</returns>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_stopping is { } stopping)
            {
                // A second caller waits for the first stop; its token can still turn the stop into cancelling.
                return WaitForStopAsync(stopping, cancellationToken);
            }

            if (_state != 2)
            {
                _state = 3;
                return Task.CompletedTask;
            }

            _state = 3;
            _listening!.Cancel();
            _stopping = DrainAsync(_loop!, cancellationToken);
            return _stopping;
        }
    }

    private async Task WaitForStopAsync(Task stopping, CancellationToken cancellationToken)
    {
        using (cancellationToken.Register(() => _work.Cancel()))
        {
            await stopping.ConfigureAwait(false);
        }
    }

    private async Task DrainAsync(Task loop, CancellationToken cancellationToken)
    {
        await loop.ConfigureAwait(false);
        var cancelled = 0;
        using (cancellationToken.Register(() =>
        {
            Interlocked.Exchange(ref cancelled, _inFlight.Count);
            _work.Cancel();
        }))
        {
            await Task.WhenAll(_inFlight.Values).ConfigureAwait(false);
        }

        var cancelledCount = Volatile.Read(ref cancelled);
        KernelLog.Stopped(_logger, _options.ModuleId, cancelledCount);
    }

    /// <summary>Stops the module, cancelling the commands in flight, and releases its resources; the store stays open.</summary>
    /// <returns>A task that completes when the module has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var now = new CancellationTokenSource())
        {
            await now.CancelAsync().ConfigureAwait(false);
            await StopAsync(now.Token).ConfigureAwait(false);
        }

        _work.Dispose();
        _listening?.Dispose();
        _slots?.Dispose();
    }

    private async Task ListenAsync(IAsyncEnumerable<BusMessage> messages, CancellationToken listening)
    {
        try
        {
            await foreach (var message in messages.ConfigureAwait(false))
            {
                if (message is not BusCommand command || !string.Equals(command.Target, _options.ModuleId, StringComparison.Ordinal))
                {
                    continue;
                }

                try
                {
                    await _slots!.WaitAsync(listening).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    try
                    {
                        await AnswerErrorAsync(command, MirrorErrorCodes.Cancelled, "The mirror module stopped before this command ran. Send it again when the module is running.").ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        // Publishing the answer failed (the host's transport); nothing is left to answer on, so only log it.
                        KernelLog.Crashed(_logger, ex, Echo(command), command.CorrelationId);
                    }

                    break;
                }

                var id = Interlocked.Increment(ref _nextId);
                var run = new Task<Task>(() => RunAsync(id, command));
                _inFlight[id] = run.Unwrap();
                run.Start(TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (listening.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The host's transport failed. Commands in flight still finish and are answered; StopAsync waits for them.
            KernelLog.SubscriptionFailed(_logger, ex, _options.ModuleId);
        }
    }

    private async Task RunAsync(long id, BusCommand command)
    {
        var started = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_work.Token);
        if (_options.CommandTimeout != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(_options.CommandTimeout);
        }

        var token = deadline.Token;
        try
        {
            JsonElement result;
            try
            {
                result = await DispatchAsync(command, token).ConfigureAwait(false);
            }
            catch (CommandFailure ex)
            {
                await AnswerErrorAsync(command, ex.Code, ex.Message).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (Classify(ex, token) is { } failure)
            {
                await AnswerErrorAsync(command, failure.Code, failure.Message).ConfigureAwait(false);
                return;
            }
            catch (Exception ex)
            {
                KernelLog.Crashed(_logger, ex, Echo(command), command.CorrelationId);
                await AnswerErrorAsync(command, MirrorErrorCodes.Internal, $"The mirror failed with {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
                return;
            }

            // Logged before the answer is published, as failures are, so a caller that has its answer also has the log line.
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                KernelLog.Answered(_logger, command.Method, command.CorrelationId, elapsedMs);
            }

            await PublishAsync(new BusEvent(_options.ModuleId, command.Method + ".ok", result, command.CorrelationId)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Publishing the answer failed (the host's transport); nothing is left to answer on, so only log it.
            KernelLog.Crashed(_logger, ex, Echo(command), command.CorrelationId);
        }
        finally
        {
            _inFlight.TryRemove(id, out _);
            _slots!.Release();
        }
    }

    /// <summary>Maps what a command threw to its error code; <paramref name="token"/> is the command's own, cancelled by the module stopping or by the command timeout.</summary>
    private CommandFailure? Classify(Exception ex, CancellationToken token) => ex switch
    {
        OperationCanceledException when _work.IsCancellationRequested =>
            new CommandFailure(MirrorErrorCodes.Cancelled, "The mirror module stopped before this command finished; nothing of a query was returned, and a sync kept the pages it had committed. Send it again when the module is running."),
        OperationCanceledException when token.IsCancellationRequested =>
            new CommandFailure(MirrorErrorCodes.CommandTimeout, string.Create(CultureInfo.InvariantCulture, $"The command ran past the module's command timeout of {_options.CommandTimeout.TotalSeconds:0.###} s and was cancelled; nothing of a query was returned, and a sync kept the pages it had committed. Send it again (a sync resumes from its cursor), or raise MirrorModuleOptions.CommandTimeout.")),
        UnknownSourceException unknown => new CommandFailure(MirrorErrorCodes.UnknownSource, new UnknownSourceException(CommandArgs.Shorten(unknown.SourceId), Syncer.Sources.Select(s => s.Id)).Message),
        MirrorException mirror => new CommandFailure(mirror.Code, ex.Message),
        ArgumentException => new CommandFailure(MirrorErrorCodes.BadRequest, ex.Message),
        _ => null,
    };

    private Task AnswerErrorAsync(BusCommand command, string code, string message)
    {
        KernelLog.Failed(_logger, Echo(command), command.CorrelationId, code);
        var payload = MirrorJson.ToElement(new ErrorPayload(code, message));
        return PublishAsync(new BusEvent(_options.ModuleId, Echo(command) + ".err", payload, command.CorrelationId));
    }

    /// <summary>
    /// Returns the command's method as the answer's kind and the log repeat it: cut like any caller text a message quotes,
    /// so that an unknown method name of megabytes does not come back (or get logged) whole.
    /// </summary>
    private static string Echo(BusCommand command) => CommandArgs.Shorten(command.Method ?? string.Empty);

    private Task PublishAsync(BusEvent evt) => _bus!.PublishAsync(evt, CancellationToken.None).AsTask();

    private sealed record ErrorPayload(string Code, string Message);
}
