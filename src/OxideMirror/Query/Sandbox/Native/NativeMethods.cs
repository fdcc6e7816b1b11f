using System.Runtime.InteropServices;

namespace OxideMirror;

/// <summary>
/// The few SQLite entry points SQLitePCLRaw does not wrap, called on the same native library it loads (e_sqlite3, the
/// library Microsoft.Data.Sqlite bundles). <see cref="SqliteSetup"/> checks that both really are one library.
/// </summary>
internal static unsafe partial class NativeMethods
{
    private const string Library = "e_sqlite3";

    // sqlite3_config is variadic. On x64 (System V and Windows) and on non-Apple arm64, a variadic argument travels where
    // a fixed one of the same type would, so a fixed signature calls it correctly. Apple's arm64 ABI puts every variadic
    // argument on the stack: there, eight fixed integer arguments fill x0-x7 and the ninth lands where the callee reads
    // its first variadic argument.
    [LibraryImport(Library, EntryPoint = "sqlite3_config")]
    private static partial int ConfigFixed(int op, void* argument);

    [LibraryImport(Library, EntryPoint = "sqlite3_config")]
    private static partial int ConfigApple(int op, nint r1, nint r2, nint r3, nint r4, nint r5, nint r6, nint r7, void* argument);

    [LibraryImport(Library, EntryPoint = "sqlite3_initialize")]
    public static partial int Initialize();

    [LibraryImport(Library, EntryPoint = "sqlite3_vfs_find")]
    public static partial void* VfsFind(byte* name);

    [LibraryImport(Library, EntryPoint = "sqlite3_vfs_register")]
    public static partial int VfsRegister(void* vfs, int makeDefault);

    [LibraryImport(Library, EntryPoint = "sqlite3_file_control")]
    public static partial int FileControl(nint db, byte* database, int op, void* argument);

    /// <summary>Calls <c>sqlite3_config(op, argument)</c> for an option that takes one pointer.</summary>
    public static int Config(int op, void* argument) =>
        OperatingSystem.IsMacOS() || OperatingSystem.IsIOS() || OperatingSystem.IsTvOS() || OperatingSystem.IsMacCatalyst()
            ? RuntimeInformation.ProcessArchitecture == Architecture.Arm64
                ? ConfigApple(op, 0, 0, 0, 0, 0, 0, 0, argument)
                : ConfigFixed(op, argument)
            : ConfigFixed(op, argument);
}
