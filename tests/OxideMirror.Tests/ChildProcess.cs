using System.Diagnostics;
using System.Text;

namespace OxideMirror.Tests;

/// <summary>Starts a test host (a dll beside the tests) as a child process under the same <c>dotnet</c> host.</summary>
internal static class ChildProcess
{
    /// <summary>
    /// Starts <c>dotnet <paramref name="dll"/> <paramref name="arguments"/></c> with standard output redirected and
    /// standard error collected into <paramref name="stderr"/> (lock it to read).
    /// </summary>
    public static Process Start(string dll, IEnumerable<string> arguments, bool redirectInput, StringBuilder stderr)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Finds the <c>dotnet</c> host: DOTNET_HOST_PATH (set by the SDK), else this process when it is dotnet, else the PATH.</summary>
    public static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }

        return "dotnet";
    }
}
