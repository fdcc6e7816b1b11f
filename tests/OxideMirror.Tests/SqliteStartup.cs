using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace OxideMirror.Tests;

/// <summary>
/// Prepares SQLite for agent queries before any test runs: some tests open plain SQLite connections, and SQLite takes
/// OxideMirror's allocator only before its first connection (as an app that does the same would, first thing in Main).
/// </summary>
internal static class SqliteStartup
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "The test assembly is the process's entry point for SQLite.")]
    internal static void Initialize() => MirrorStore.InitializeSqlite();
}
