namespace OxideMirror.Kernel;

/// <summary>
/// Represents a module a host runs on its message bus. The host drives the lifecycle: <see cref="InitAsync"/> once,
/// then <see cref="StartAsync"/>, then <see cref="StopAsync"/>.
/// </summary>
public interface IKernelModule
{
    /// <summary>Gets the module's metadata.</summary>
    ModuleInfo Info { get; }

    /// <summary>Connects the module to the bus it will listen and answer on.</summary>
    /// <param name="bus">The bus.</param>
    /// <param name="cancellationToken">A token to cancel initialisation.</param>
    /// <returns>A task that completes when the module is ready to start.</returns>
    Task InitAsync(IMessageBus bus, CancellationToken cancellationToken = default);

    /// <summary>Starts listening for commands; the subscription is open when the returned task completes.</summary>
    /// <param name="cancellationToken">A token to cancel starting.</param>
    /// <returns>A task that completes when the module listens.</returns>
    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops listening and lets commands in flight finish; when <paramref name="cancellationToken"/> fires first, cancels
    /// them instead. No work of the module runs after the returned task completes.
    /// </summary>
    /// <param name="cancellationToken">A token that turns a graceful stop into cancelling the commands in flight.</param>
    /// <returns>A task that completes when every command has finished or been cancelled.</returns>
    Task StopAsync(CancellationToken cancellationToken = default);
}
