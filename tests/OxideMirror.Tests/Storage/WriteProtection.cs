using System.Diagnostics;

namespace OxideMirror.Tests.Storage;

/// <summary>
/// Makes a file unwritable for this process until disposed: immutable (<c>chattr +i</c>) when the tests run as root,
/// whom permissions do not stop, and read-only permissions otherwise.
/// </summary>
internal sealed class WriteProtection : IDisposable
{
    private readonly string _path;
    private readonly UnixFileMode _mode;
    private readonly bool _immutable;

    private WriteProtection(string path, UnixFileMode mode, bool immutable)
    {
        _path = path;
        _mode = mode;
        _immutable = immutable;
    }

    public static WriteProtection Protect(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("WriteProtection needs Linux.");
        }

        var mode = File.GetUnixFileMode(path);
        var immutable = Environment.UserName == "root";
        if (immutable)
        {
            Chattr("+i", path);
        }
        else
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        return new WriteProtection(path, mode, immutable);
    }

    public void Dispose()
    {
        if (_immutable)
        {
            Chattr("-i", _path);
        }
        else if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_path, _mode);
        }
    }

    private static void Chattr(string flag, string path)
    {
        using var process = Process.Start(new ProcessStartInfo("chattr") { ArgumentList = { flag, path }, UseShellExecute = false })!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'chattr {flag} {path}' failed with exit code {process.ExitCode}.");
        }
    }
}
