using System.Runtime.InteropServices;

namespace OxideMirror;

/// <summary>
/// The SQLite memory one store's agent queries may hold at once, together: every allocation <see cref="QueryMemory"/>
/// charges while one of them runs (its statement, sorter, temp files, value buffers; an as-of snapshot while it is built
/// and for as long as it is cached), freed or not. A query whose allocation would take the pool past its limit fails at
/// that allocation, so concurrent queries share the limit instead of each measuring its own slice of the process's heap.
/// Thread-safe.
/// </summary>
internal sealed unsafe class QueryMemoryPool : IDisposable
{
    private Account* _account;

    public QueryMemoryPool(long limit)
    {
        _account = (Account*)NativeMemory.AllocZeroed((nuint)sizeof(Account));
        _account->Limit = limit;
    }

    /// <summary>Gets the most bytes the pool holds.</summary>
    public long Limit => _account->Limit;

    /// <summary>Gets the bytes charged to the pool now.</summary>
    public long Used => Volatile.Read(ref _account->Used);

    internal Account* Native => _account;

    /// <summary>
    /// Frees the counter once no block charged to it is left. A block still charged (a connection that outlived its store)
    /// keeps pointing at the counter, so then it is left allocated: 16 bytes, never touched again.
    /// </summary>
    public void Dispose()
    {
        var account = _account;
        if (account is not null && Volatile.Read(ref account->Used) == 0)
        {
            _account = null;
            NativeMemory.Free(account);
        }
    }

    /// <summary>The native counter each charged block's header points at.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Account
    {
        public long Used;
        public long Limit;
    }
}
