using OxideMirror.Cli.Config;

namespace OxideMirror.Cli.Commands;

/// <summary>Opens the mirror a configuration names.</summary>
internal static class MirrorFile
{
    /// <summary>Opens the store; a command that only reads (<paramref name="mustExist"/>) does not create an empty one, but says to sync first.</summary>
    /// <exception cref="CommandFailedException">The file does not exist and <paramref name="mustExist"/> is set.</exception>
    public static async Task<MirrorStore> OpenAsync(MirrorConfig config, bool mustExist, CancellationToken cancellationToken)
    {
        if (mustExist && !File.Exists(config.MirrorPath))
        {
            throw new CommandFailedException(
                ExitCodes.NotFound,
                "no_mirror",
                $"The mirror '{config.MirrorPath}' (MirrorPath in {config.File}) does not exist yet. Run 'oxide-mirror sync' first, or point MirrorPath at an existing mirror.");
        }

        if (!mustExist)
        {
            // A sync creates the mirror, and so the folder MirrorPath names.
            Directory.CreateDirectory(Path.GetDirectoryName(config.MirrorPath)!);
        }

        return await MirrorStore.OpenAsync(config.MirrorPath, config.Store, cancellationToken).ConfigureAwait(false);
    }
}
