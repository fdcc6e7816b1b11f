using System.Runtime.InteropServices;

namespace OxideMirror;

/// <summary>
/// A SQLite VFS for the query connections that keeps every temporary file (sorter runs, ephemeral tables, the temp
/// database) in memory charged to the running query's <see cref="QueryMemoryPool"/>, and hands every other file (the
/// database, its WAL and shared memory) to the VFS it wraps: the OS's default, or memdb for an in-memory store.
/// </summary>
/// <remarks>
/// With <c>temp_store = MEMORY</c>, SQLite sorts an ORDER BY, GROUP BY or window input in one piece once the input is
/// complete, inside one bytecode step that neither the progress handler nor <c>sqlite3_interrupt</c> can stop: 2,000,000
/// rows took 1.3 s there, so a 300 ms limit was passed by seconds. With temporary files, SQLite sorts runs of at most
/// <c>cache_size</c> bytes as it goes and merges them a row per step, so every step stays short and the query stops on
/// time. Those files then live here instead of on disk, so a query still writes no file.
/// </remarks>
internal static unsafe class TempFileVfs
{
    // sqlite3.h constants.
    private const int Ok = 0;
    private const int IoErr = 10;
    private const int NotFound = 12;
    private const int IoErrShortRead = IoErr | (2 << 8);
    private const int IoErrNoMem = IoErr | (12 << 8);
    private const int OpenTempDb = 0x200;
    private const int OpenTransientDb = 0x400;
    private const int OpenTempJournal = 0x1000;
    private const int OpenSubjournal = 0x2000;
    private const int TempFlags = OpenTempDb | OpenTransientDb | OpenTempJournal | OpenSubjournal;

    // sqlite3_vfs: three ints (padded to 16 bytes), pNext, zName, pAppData, then the methods; xOpen is the first.
    private const int VfsXOpenOffset = 40;
    private const int VfsSizeV3 = 168;
    private const int ChunkBytes = 64 * 1024;

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, nint> Wrappers = new(StringComparer.Ordinal);
    private static readonly IoMethods* Methods = CreateMethods();

    /// <summary>Gets the name of the wrapper of the OS's default VFS, once <see cref="Register"/> has run.</summary>
    public static string? DefaultName { get; private set; }

    /// <summary>Registers the wrappers of the default VFS and of memdb (SQLite must be initialized). Idempotent.</summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (DefaultName is not null)
            {
                return;
            }

            var fallback = NativeMethods.VfsFind(null);
            var name = Wrap(fallback) ?? throw new MirrorException("SQLite has no default VFS, so the query connections cannot be opened.");
            var memdbName = "memdb"u8;
            fixed (byte* memdb = memdbName)
            {
                Wrap(NativeMethods.VfsFind(memdb));
            }

            DefaultName = name;
        }
    }

    /// <summary>Gets the wrapper's name for the VFS named <paramref name="baseName"/>, or null when it is not wrapped.</summary>
    public static string? WrapperOf(string baseName) =>
        Wrappers.ContainsKey("oxidemirror-" + baseName) ? "oxidemirror-" + baseName : null;

    /// <summary>Says whether <paramref name="vfs"/> (a sqlite3_vfs pointer) is one of the wrappers.</summary>
    public static bool IsWrapper(nint vfs)
    {
        lock (Gate)
        {
            return Wrappers.ContainsValue(vfs);
        }
    }

    private static string? Wrap(void* baseVfs)
    {
        if (baseVfs is null)
        {
            return null;
        }

        var source = (byte*)baseVfs;
        var baseName = Marshal.PtrToStringUTF8(*(nint*)(source + 24))!;
        var name = "oxidemirror-" + baseName;
        var version = *(int*)source;
        var size = version >= 3 ? VfsSizeV3 : version == 2 ? VfsSizeV3 - 24 : VfsSizeV3 - 32;

        // The copy keeps the wrapped VFS's pAppData (memdb and the unix VFS read theirs through the pointer they are
        // called with) and its methods; the word after the structure holds the wrapped VFS for xOpen.
        var wrapper = (byte*)NativeMemory.AllocZeroed(VfsSizeV3 + (nuint)sizeof(nint));
        Buffer.MemoryCopy(source, wrapper, VfsSizeV3, size);
        *(int*)(wrapper + 4) = Math.Max(*(int*)(source + 4), sizeof(TempFile));
        *(nint*)(wrapper + 16) = 0;
        *(nint*)(wrapper + 24) = Marshal.StringToCoTaskMemUTF8(name);
        *(delegate* unmanaged<void*, byte*, void*, int, int*, int>*)(wrapper + VfsXOpenOffset) = &Open;
        *(void**)(wrapper + VfsSizeV3) = baseVfs;
        var rc = NativeMethods.VfsRegister(wrapper, 0);
        if (rc != Ok)
        {
            throw new MirrorException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"SQLite refused to register the query connections' VFS {name} (SQLite error {rc})."));
        }

        Wrappers[name] = (nint)wrapper;
        return name;
    }

    private static IoMethods* CreateMethods()
    {
        var methods = (IoMethods*)NativeMemory.AllocZeroed((nuint)sizeof(IoMethods));
        methods->Version = 1;
        methods->Close = &Close;
        methods->Read = &Read;
        methods->Write = &Write;
        methods->Truncate = &Truncate;
        methods->Sync = &Sync;
        methods->FileSize = &FileSize;
        methods->Lock = &Lock;
        methods->Unlock = &Lock;
        methods->CheckReservedLock = &CheckReservedLock;
        methods->FileControl = &FileControl;
        methods->SectorSize = &SectorSize;
        methods->DeviceCharacteristics = &DeviceCharacteristics;
        return methods;
    }

    [UnmanagedCallersOnly]
    private static int Open(void* vfs, byte* name, void* file, int flags, int* outFlags)
    {
        if (name is not null && (flags & TempFlags) == 0)
        {
            var inner = *(byte**)((byte*)vfs + VfsSizeV3);
            var open = *(delegate* unmanaged<void*, byte*, void*, int, int*, int>*)(inner + VfsXOpenOffset);
            return open(inner, name, file, flags, outFlags);
        }

        try
        {
            var temp = (TempFile*)file;
            temp->Methods = null;
            temp->Content = GCHandle.ToIntPtr(GCHandle.Alloc(new Content()));
            temp->Methods = Methods;
            if (outFlags is not null)
            {
                *outFlags = flags;
            }

            return Ok;
        }
        catch (OutOfMemoryException)
        {
            return IoErrNoMem;
        }
    }

    private static Content Of(void* file) => (Content)GCHandle.FromIntPtr(((TempFile*)file)->Content).Target!;

    [UnmanagedCallersOnly]
    private static int Close(void* file)
    {
        var handle = GCHandle.FromIntPtr(((TempFile*)file)->Content);
        ((Content)handle.Target!).Truncate(0);
        handle.Free();
        return Ok;
    }

    [UnmanagedCallersOnly]
    private static int Read(void* file, void* buffer, int amount, long offset) => Of(file).Read((byte*)buffer, amount, offset) ? Ok : IoErrShortRead;

    [UnmanagedCallersOnly]
    private static int Write(void* file, void* buffer, int amount, long offset)
    {
        try
        {
            return Of(file).Write((byte*)buffer, amount, offset) ? Ok : IoErrNoMem;
        }
        catch (OutOfMemoryException)
        {
            return IoErrNoMem;
        }
    }

    [UnmanagedCallersOnly]
    private static int Truncate(void* file, long size)
    {
        Of(file).Truncate(size);
        return Ok;
    }

    [UnmanagedCallersOnly]
    private static int Sync(void* file, int flags) => Ok;

    [UnmanagedCallersOnly]
    private static int FileSize(void* file, long* size)
    {
        *size = Of(file).Size;
        return Ok;
    }

    [UnmanagedCallersOnly]
    private static int Lock(void* file, int level) => Ok;

    [UnmanagedCallersOnly]
    private static int CheckReservedLock(void* file, int* result)
    {
        *result = 0;
        return Ok;
    }

    [UnmanagedCallersOnly]
    private static int FileControl(void* file, int op, void* argument) => NotFound;

    [UnmanagedCallersOnly]
    private static int SectorSize(void* file) => 4096;

    [UnmanagedCallersOnly]
    private static int DeviceCharacteristics(void* file) => 0;

    /// <summary>The sqlite3_file SQLite allocates (szOsFile bytes): its methods, then a handle to the content.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct TempFile
    {
        public IoMethods* Methods;
        public nint Content;
    }

    /// <summary>sqlite3.h's <c>sqlite3_io_methods</c>, version 1.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct IoMethods
    {
        public int Version;
        public delegate* unmanaged<void*, int> Close;
        public delegate* unmanaged<void*, void*, int, long, int> Read;
        public delegate* unmanaged<void*, void*, int, long, int> Write;
        public delegate* unmanaged<void*, long, int> Truncate;
        public delegate* unmanaged<void*, int, int> Sync;
        public delegate* unmanaged<void*, long*, int> FileSize;
        public delegate* unmanaged<void*, int, int> Lock;
        public delegate* unmanaged<void*, int, int> Unlock;
        public delegate* unmanaged<void*, int*, int> CheckReservedLock;
        public delegate* unmanaged<void*, int, void*, int> FileControl;
        public delegate* unmanaged<void*, int> SectorSize;
        public delegate* unmanaged<void*, int> DeviceCharacteristics;
    }

    /// <summary>
    /// A temporary file's bytes, in 64 KiB chunks made by <see cref="QueryMemory.Allocate"/>: charged to the pool of the
    /// query that writes them (and refused past it), credited back when the file shrinks or closes. One connection uses
    /// a file at a time, so it needs no lock.
    /// </summary>
    private sealed class Content
    {
        private readonly List<nint> _chunks = [];

        public long Size { get; private set; }

        public bool Read(byte* buffer, int amount, long offset)
        {
            var available = (int)Math.Clamp(Size - offset, 0, amount);
            Copy(buffer, available, offset, toFile: false);
            if (available < amount)
            {
                new Span<byte>(buffer + available, amount - available).Clear();
                return false;
            }

            return true;
        }

        public bool Write(byte* buffer, int amount, long offset)
        {
            var end = offset + amount;
            while ((long)_chunks.Count * ChunkBytes < end)
            {
                var chunk = QueryMemory.Allocate(ChunkBytes);
                if (chunk is null)
                {
                    return false;
                }

                NativeMemory.Clear(chunk, ChunkBytes);
                _chunks.Add((nint)chunk);
            }

            Copy(buffer, amount, offset, toFile: true);
            Size = Math.Max(Size, end);
            return true;
        }

        public void Truncate(long size)
        {
            var keep = (int)((size + ChunkBytes - 1) / ChunkBytes);
            for (var i = _chunks.Count - 1; i >= keep; i--)
            {
                QueryMemory.Free((void*)_chunks[i]);
                _chunks.RemoveAt(i);
            }

            Size = Math.Min(Size, size);
        }

        private void Copy(byte* buffer, int amount, long offset, bool toFile)
        {
            var done = 0;
            while (done < amount)
            {
                var at = offset + done;
                var chunk = (byte*)_chunks[(int)(at / ChunkBytes)] + (at % ChunkBytes);
                var length = (int)Math.Min(amount - done, ChunkBytes - (at % ChunkBytes));
                if (toFile)
                {
                    Buffer.MemoryCopy(buffer + done, chunk, length, length);
                }
                else
                {
                    Buffer.MemoryCopy(chunk, buffer + done, length, length);
                }

                done += length;
            }
        }
    }
}
