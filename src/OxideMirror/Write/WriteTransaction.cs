using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// One write transaction as its work sees it (<see cref="StoreWriter.WriteAsync{T}"/>): the transaction, the time it
/// writes at, and what to do once it has committed.
/// </summary>
internal sealed class WriteTransaction
{
    private List<Action>? _afterCommit;

    public WriteTransaction(SqliteTransaction transaction, DateTimeOffset now)
    {
        Transaction = transaction;
        Now = now;
    }

    /// <summary>Gets the open transaction on the writer connection.</summary>
    public SqliteTransaction Transaction { get; }

    /// <summary>Gets the writer connection.</summary>
    public SqliteConnection Connection => Transaction.Connection!;

    /// <summary>Gets the time the transaction writes at.</summary>
    public DateTimeOffset Now { get; }

    /// <summary>Adds work to run after the commit, still holding the write gate (nothing runs after a rollback).</summary>
    public void AfterCommit(Action action) => (_afterCommit ??= []).Add(action);

    internal void Committed()
    {
        if (_afterCommit is null)
        {
            return;
        }

        foreach (var action in _afterCommit)
        {
            action();
        }
    }
}
