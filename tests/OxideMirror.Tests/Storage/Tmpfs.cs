using System.Diagnostics;
using System.Globalization;

namespace OxideMirror.Tests.Storage;

/// <summary>
/// A small tmpfs mounted for one test (<c>mount -t tmpfs -o size=…</c>), so that a store can run out of disk or be made
/// read-only for real. Needs root on Linux; <see cref="TmpfsFactAttribute"/> skips a test where mounting is refused.
/// </summary>
internal sealed class Tmpfs : IDisposable
{
    private static readonly Lazy<string?> Refusal = new(Probe);

    private Tmpfs(string path)
    {
        Path = path;
    }

    /// <summary>Gets the mount point.</summary>
    public string Path { get; }

    /// <summary>Gets why a tmpfs cannot be mounted here, or null when it can.</summary>
    public static string? WhyNot => Refusal.Value;

    public string File(string name = "mirror.db") => System.IO.Path.Combine(Path, name);

    public static Tmpfs Mount(long bytes)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "oxidemirror-tmpfs", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        Run("mount", "-t", "tmpfs", "-o", Size(bytes), "tmpfs", path);
        return new Tmpfs(path);
    }

    /// <summary>Grows (or shrinks) the file system in place, keeping its files: frees space for a store that ran out.</summary>
    public void Resize(long bytes) => Run("mount", "-o", "remount," + Size(bytes), Path);

    public void RemountReadOnly() => Run("mount", "-o", "remount,ro", Path);

    public void RemountReadWrite() => Run("mount", "-o", "remount,rw", Path);

    /// <summary>Writes a file that takes the space left, so that the next write that needs a new block fails for lack of space.</summary>
    public void Fill(string name = "filler")
    {
        var block = new byte[4096];
        try
        {
            using var stream = new FileStream(File(name), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            while (true)
            {
                stream.Write(block);
                stream.Flush();
            }
        }
        catch (IOException)
        {
            // No space left on the device: the file system is full.
        }
    }

    public void Dispose()
    {
        if (TryRun("umount", Path) != 0)
        {
            TryRun("umount", "-l", Path);
        }

        try
        {
            Directory.Delete(Path);
        }
        catch (IOException)
        {
        }
    }

    private static string Size(long bytes) => "size=" + bytes.ToString(CultureInfo.InvariantCulture);

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "mounting a tmpfs needs Linux";
        }

        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "oxidemirror-tmpfs", "probe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        try
        {
            var code = TryRun("mount", "-t", "tmpfs", "-o", "size=65536", "tmpfs", path);
            if (code != 0)
            {
                return $"'mount -t tmpfs' was refused (exit code {code}); run the tests as root to include them";
            }

            TryRun("umount", path);
            return null;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"'mount' could not be run ({ex.Message})";
        }
        finally
        {
            Directory.Delete(path);
        }
    }

    private static void Run(string file, params string[] arguments)
    {
        var code = TryRun(file, arguments);
        if (code != 0)
        {
            throw new InvalidOperationException($"'{file} {string.Join(' ', arguments)}' failed with exit code {code}.");
        }
    }

    private static int TryRun(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
