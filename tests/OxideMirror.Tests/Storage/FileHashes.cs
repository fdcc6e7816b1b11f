using System.Security.Cryptography;

namespace OxideMirror.Tests.Storage;

/// <summary>Fingerprints every file in a folder (its -wal, -shm and -journal files included) by name and SHA-256.</summary>
internal static class FileHashes
{
    public static IReadOnlyDictionary<string, string> Of(string folder) =>
        Directory.GetFiles(folder).ToDictionary(
            file => Path.GetFileName(file),
            file => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))),
            StringComparer.Ordinal);
}
