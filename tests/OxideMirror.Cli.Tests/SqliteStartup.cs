using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace OxideMirror.Cli.Tests;

/// <summary>Prepares SQLite before any test opens a connection, as the tool's Main does first thing.</summary>
internal static class SqliteStartup
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "The test assembly is the process's entry point for SQLite.")]
    internal static void Initialize() => MirrorStore.InitializeSqlite();
}
