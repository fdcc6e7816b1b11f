using System.Text;

namespace OxideMirror;

/// <summary>Builds SQLite URI filenames for the store's connections.</summary>
internal static class SqliteUri
{
    /// <summary>
    /// Turns a store's data source (a file path, or a memdb URI such as <c>file:/name?vfs=memdb</c>) into a URI that
    /// opens it through the VFS <paramref name="vfs"/> (null keeps a URI's own, and names the OS's default for a path),
    /// read-only when <paramref name="readOnly"/> is set.
    /// </summary>
    public static string For(string dataSource, string? vfs, bool readOnly)
    {
        string location;
        var parameters = new List<string>();
        if (dataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            var query = dataSource.IndexOf('?', StringComparison.Ordinal);
            location = query < 0 ? dataSource : dataSource[..query];
            if (query >= 0)
            {
                foreach (var parameter in dataSource[(query + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (vfs is null || !parameter.StartsWith("vfs=", StringComparison.Ordinal))
                    {
                        parameters.Add(parameter);
                    }
                }
            }
        }
        else
        {
            location = "file://" + EscapePath(dataSource);
            vfs ??= OperatingSystem.IsWindows() ? "win32" : "unix";
        }

        if (vfs is not null)
        {
            parameters.Add("vfs=" + vfs);
        }

        if (readOnly)
        {
            parameters.Add("mode=ro");
        }

        return parameters.Count == 0 ? location : location + "?" + string.Join('&', parameters);
    }

    /// <summary>Gets the VFS a data source opens through by default: memdb for a memdb URI, else the OS's.</summary>
    public static string BaseVfs(string dataSource) =>
        dataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && dataSource.Contains("vfs=memdb", StringComparison.Ordinal)
            ? "memdb"
            : OperatingSystem.IsWindows() ? "win32" : "unix";

    private static string EscapePath(string path)
    {
        path = path.Replace('\\', '/');
        if (!path.StartsWith('/'))
        {
            path = "/" + path; // A Windows drive path: file:///C:/...
        }

        var escaped = new StringBuilder(path.Length + 16);
        foreach (var c in path)
        {
            _ = c switch
            {
                '%' => escaped.Append("%25"),
                '?' => escaped.Append("%3f"),
                '#' => escaped.Append("%23"),
                _ => escaped.Append(c),
            };
        }

        return escaped.ToString();
    }
}
