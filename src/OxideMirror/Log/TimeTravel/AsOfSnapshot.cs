using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace OxideMirror;

/// <summary>
/// The mirror as it was at one moment, rebuilt from the event log into a private in-memory database (memdb VFS): each
/// resource table (same name and columns as the live one, same indexes) and <c>mirror_records</c>. Built on a trusted
/// writable connection that attaches the store read-only and detaches it again; agent queries then run on hardened
/// read-only connections to it (<see cref="ReaderPool.Reader"/>), so every safety layer of the live path applies.
/// Reference-counted: an evicted snapshot closes when its last query returns its reader.
/// </summary>
internal sealed class AsOfSnapshot : IDisposable
{
    private const int SqliteInterrupt = 9;
    private const int SqliteNoMem = 7;

    private readonly SqliteConnection _keeper;
    private readonly string _readerString;
    private readonly int _maxValueBytes;
    private readonly QueryMemoryPool _memory;
    private readonly ConcurrentBag<ReaderPool.Reader> _idle = [];
    private readonly Lock _gate = new();
    private int _users;
    private bool _evicted;
    private bool _closed;

    private AsOfSnapshot(SqliteConnection keeper, string readerString, int maxValueBytes, QueryMemoryPool memory, string at, AsOfMode mode, long logPosition, int schemaGeneration, int compactions, long records)
    {
        _keeper = keeper;
        _readerString = readerString;
        _maxValueBytes = maxValueBytes;
        _memory = memory;
        At = at;
        Mode = mode;
        LogPosition = logPosition;
        SchemaGeneration = schemaGeneration;
        Compactions = compactions;
        Records = records;
    }

    /// <summary>Gets the moment, as a store timestamp.</summary>
    public string At { get; }

    public AsOfMode Mode { get; }

    /// <summary>Gets the highest event sequence number the log held when the snapshot was built.</summary>
    public long LogPosition { get; }

    /// <summary>Gets the catalog's schema generation when the snapshot was built (it copies today's columns).</summary>
    public int SchemaGeneration { get; }

    /// <summary>Gets how many compaction steps the store had committed when the snapshot was built (read before building).</summary>
    public int Compactions { get; }

    /// <summary>Gets how many records (tombstones included) the snapshot's <c>mirror_records</c> holds.</summary>
    public long Records { get; }

    /// <summary>
    /// Says whether <paramref name="table"/> is one of the store's internal tables (the <c>mirror_</c> prefix no resource
    /// table takes, see <see cref="Identifiers.ForTable"/>) that a snapshot does not hold: all but <c>mirror_records</c>.
    /// </summary>
    public static bool LacksInternalTable(string table) =>
        table.StartsWith("mirror_", StringComparison.OrdinalIgnoreCase) && !string.Equals(table, "mirror_records", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads the highest event sequence number of the store's log, to check a cached snapshot is still exact.</summary>
    public static long ReadLogPosition(SqliteConnection store)
    {
        using var command = store.CreateCommand();
        command.CommandText = "SELECT coalesce(max(seq), 0) FROM mirror_events";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Builds the snapshot from the store at <paramref name="storeDataSource"/> (a file path or a memdb URI), in one read
    /// transaction, stopping at <paramref name="timeout"/> or on cancellation.
    /// </summary>
    /// <remarks>
    /// Everything the rebuild allocates in SQLite (the snapshot's pages, the keeper's sorts and caches) is charged to
    /// <paramref name="memory"/>, the pool the store's agent queries share, and stays charged while the snapshot is
    /// cached: a rebuild that would take the pool past its limit fails at that allocation.
    /// </remarks>
    public static AsOfSnapshot Build(string storeDataSource, string at, AsOfMode mode, int schemaGeneration, int compactions, int maxValueBytes, QueryMemoryPool memory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        SqliteSetup.EnsureBounded();
        using var charged = QueryMemory.Enter(memory, null);
        var name = "file:/oxidemirror-asof-" + Guid.NewGuid().ToString("N") + "?vfs=memdb";
        var writer = new SqliteConnectionStringBuilder { DataSource = SqliteUri.For(name, TempFileVfs.WrapperOf("memdb"), readOnly: false), Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        var reader = new SqliteConnectionStringBuilder { DataSource = name, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        var keeper = new SqliteConnection(writer.ToString());
        var deadline = Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds);
        var timedOut = false;
        delegate_progress progress = _ =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return 1;
            }

            if (Environment.TickCount64 > deadline)
            {
                timedOut = true;
                return 1;
            }

            return 0;
        };

        try
        {
            keeper.Open();
            raw.sqlite3_progress_handler(keeper.Handle, 1000, progress, null);
            using var command = keeper.CreateCommand();
            command.CommandText = "PRAGMA trusted_schema = OFF; PRAGMA temp_store = FILE; ATTACH DATABASE $uri AS src";
            command.Parameters.AddWithValue("$uri", ReadOnlyUri(storeDataSource));
            command.ExecuteNonQuery();
            command.Parameters.Clear();

            long position;
            long records;
            using (var transaction = keeper.BeginTransaction())
            {
                command.Transaction = transaction;
                command.CommandText = "SELECT coalesce(max(seq), 0) FROM src.mirror_events";
                position = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
                records = BuildRecords(command, at, mode);
                var resources = Resources(command);
                foreach (var (resource, table) in resources)
                {
                    BuildResourceTable(command, resource, table);
                }

                // Indexes last, once every table exists: an index name must not be taken by any table of the snapshot.
                foreach (var (resource, table) in resources)
                {
                    BuildIndexes(command, resource, table);
                }

                transaction.Commit();
                command.Transaction = null;
            }

            command.CommandText = "DETACH DATABASE src";
            command.ExecuteNonQuery();
            raw.sqlite3_progress_handler(keeper.Handle, 0, null, null);
            GC.KeepAlive(progress);
            return new AsOfSnapshot(keeper, reader.ToString(), maxValueBytes, memory, at, mode, position, schemaGeneration, compactions, records);
        }
        catch (SqliteException ex) when ((ex.SqliteErrorCode & 0xFF) == SqliteInterrupt)
        {
            keeper.Dispose();
            if (timedOut)
            {
                throw new QueryTimeoutException(
                    string.Create(CultureInfo.InvariantCulture, $"Rebuilding the mirror as of {at} from the event log ran past the time limit of {timeout.TotalMilliseconds:0} ms, before the query itself ran. Time travel costs one pass over the log: raise QueryOptions.Timeout for as-of queries on a long log."),
                    timeout);
            }

            throw new OperationCanceledException("The as-of query was cancelled while the mirror was being rebuilt.", ex, cancellationToken);
        }
        catch (SqliteException ex) when ((ex.SqliteErrorCode & 0xFF) == SqliteNoMem)
        {
            keeper.Dispose();
            throw new QueryException(
                string.Create(CultureInfo.InvariantCulture, $"Rebuilding the mirror as of {at} needs more memory than the {memory.Limit / (1024 * 1024)} MiB the store's agent queries may hold together (cached as-of moments included), so the query did not run. Query fewer moments, lower MirrorStoreOptions.AsOfCacheSize, or raise MirrorStoreOptions.QueryMemoryBudget."),
                ex);
        }
        catch
        {
            keeper.Dispose();
            throw;
        }
    }

    /// <summary>Takes a reference for one query; returns false when the snapshot was already closed.</summary>
    public bool TryAcquire()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            _users++;
            return true;
        }
    }

    /// <summary>Drops a reference; closes the snapshot when it was evicted and this was the last one.</summary>
    public void Release()
    {
        lock (_gate)
        {
            _users--;
            if (!_evicted || _users > 0 || _closed)
            {
                return;
            }

            _closed = true;
        }

        Close();
    }

    /// <summary>Marks the snapshot as no longer cached; it closes now, or when its last query ends.</summary>
    public void Evict()
    {
        lock (_gate)
        {
            _evicted = true;
            if (_users > 0 || _closed)
            {
                return;
            }

            _closed = true;
        }

        Close();
    }

    public void Dispose() => Evict();

    /// <summary>Lends a hardened read-only connection to the snapshot (the caller holds a reference).</summary>
    public ReaderPool.Reader Rent() => _idle.TryTake(out var reader) ? reader : ReaderPool.Reader.Open(_readerString, _maxValueBytes, _memory);

    public void Return(ReaderPool.Reader reader, bool healthy)
    {
        if (healthy)
        {
            _idle.Add(reader);
        }
        else
        {
            reader.Dispose();
        }
    }

    private void Close()
    {
        while (_idle.TryTake(out var reader))
        {
            reader.Dispose();
        }

        // The keeper is the last connection to the memdb database: closing it frees the snapshot's memory.
        _keeper.Dispose();
    }

    private static long BuildRecords(SqliteCommand command, string at, AsOfMode mode)
    {
        // Each record's state is that of its last state event (RecordProjection): in applied time the last in log order,
        // in event time the one that occurred last.
        var latest = mode == AsOfMode.Applied
            ? RecordProjection.LastStateEventsSql("src.mirror_events", "applied_at <= $at")
            : $"""
              SELECT * FROM (
                  SELECT resource, record_id, op, payload, merged_payload, source, applied_at, occurred_at, confidence, version,
                         row_number() OVER (PARTITION BY resource, record_id ORDER BY occurred_at DESC, seq DESC) AS n
                  FROM src.mirror_events
                  WHERE {RecordProjection.StateEvents} AND occurred_at <= $at)
              WHERE n = 1
              """;
        // The same table as the store's, from the store's own schema, so the two cannot drift apart; unqualified, it is
        // created in main, the snapshot's database.
        command.CommandText = "SELECT sql FROM src.sqlite_schema WHERE type = 'table' AND name = 'mirror_records'";
        var createRecords = (string)command.ExecuteScalar()!;
        command.CommandText = createRecords + ";\n" + RecordProjection.InsertRecordsSql("main.mirror_records", latest) + ";";
        command.Parameters.AddWithValue("$at", at);
        var inserted = command.ExecuteNonQuery();
        command.Parameters.Clear();
        return inserted;
    }

    private static List<(string Resource, string Table)> Resources(SqliteCommand command)
    {
        command.CommandText = "SELECT name, table_name FROM src.mirror_resources ORDER BY name";
        var result = new List<(string, string)>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result.Add((reader.GetString(0), reader.GetString(1)));
        }

        return result;
    }

    private static void BuildResourceTable(SqliteCommand command, string resource, string table)
    {
        var keys = new List<(string Key, string Column)>();
        command.CommandText = "SELECT key, column_name FROM src.mirror_columns WHERE resource = $resource ORDER BY position";
        command.Parameters.AddWithValue("$resource", resource);
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                keys.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        // The live table's shape, from its one definition; created in main, the snapshot's database.
        command.CommandText = ResourceTable.CreateTableSql(table, keys.Select(k => k.Column), schema: "main");
        command.ExecuteNonQuery();

        // json_extract stores values as ResourceTable does: strings as text, integral numbers as integers, other numbers
        // as reals, booleans as 0/1, null as NULL, objects and arrays as compact JSON text (the log's own bytes).
        var insert = new StringBuilder()
            .Append("INSERT INTO main.").Append(Identifiers.Quote(table)).Append(" (record_id, _source, _confidence, _version, _synced_at, _occurred_at");
        foreach (var (_, column) in keys)
        {
            insert.Append(", ").Append(Identifiers.Quote(column));
        }

        insert.Append(") SELECT record_id, source, confidence, version, last_synced_at, occurred_at");
        for (var i = 0; i < keys.Count; i++)
        {
            var parameter = "$k" + i.ToString(CultureInfo.InvariantCulture);
            insert.Append(", json_extract(payload, ").Append(parameter).Append(')');
            command.Parameters.AddWithValue(parameter, JsonPath(keys[i].Key));
        }

        insert.Append(" FROM main.mirror_records WHERE resource = $resource AND payload IS NOT NULL");
        command.CommandText = insert.ToString();
        command.ExecuteNonQuery();
        command.Parameters.Clear();
    }

    /// <summary>
    /// Creates the indexes the store made on a resource table (<see cref="ResourceTable.CreateIndex"/>), each under the
    /// first free name of ix_table_column (cut to 120 characters), _2, _3, …, as the store picks them: a resource table
    /// can hold such a name, and two long columns can share a cut one.
    /// </summary>
    private static void BuildIndexes(SqliteCommand command, string resource, string table)
    {
        var indexed = new List<string>();
        command.CommandText = "SELECT DISTINCT column_name FROM src.mirror_schema_changes WHERE resource = $resource AND change = 'create_index' ORDER BY seq";
        command.Parameters.AddWithValue("$resource", resource);
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                indexed.Add(reader.GetString(0));
            }
        }

        command.Parameters.Clear();
        foreach (var column in indexed)
        {
            var name = "ix_" + table + "_" + column;
            if (name.Length > 120)
            {
                name = name[..120];
            }

            var candidate = name;
            command.CommandText = "SELECT 1 FROM main.sqlite_schema WHERE name = $name COLLATE NOCASE";
            for (var n = 2; ; n++)
            {
                command.Parameters.AddWithValue("$name", candidate);
                var taken = command.ExecuteScalar() is not null;
                command.Parameters.Clear();
                if (!taken)
                {
                    break;
                }

                candidate = string.Create(CultureInfo.InvariantCulture, $"{name}_{n}");
            }

            command.CommandText = $"CREATE INDEX main.{Identifiers.Quote(candidate)} ON {Identifiers.Quote(table)} ({Identifiers.Quote(column)})";
            command.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Writes the JSON path of one top-level key: <c>$."key"</c>, with the key escaped as a JSON string (SQLite decodes a
    /// quoted label that holds a backslash), and a double quote as <c>\u0022</c> since the label ends at the first one.
    /// </summary>
    internal static string JsonPath(string key)
    {
        var path = new StringBuilder(key.Length + 4).Append("$.\"");
        foreach (var c in key)
        {
            switch (c)
            {
                case '"':
                    path.Append("\\u0022");
                    break;
                case '\\':
                    path.Append("\\\\");
                    break;
                case < ' ':
                    path.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    path.Append(c);
                    break;
            }
        }

        return path.Append('"').ToString();
    }

    /// <summary>Turns the store's data source (a path or a memdb URI) into a URI that attaches it read-only, with its VFS.</summary>
    /// <remarks>The rebuild's own connection opened with a memdb VFS, which ATTACH would otherwise inherit: a path names the OS's default.</remarks>
    private static string ReadOnlyUri(string dataSource) => SqliteUri.For(dataSource, vfs: null, readOnly: true);
}
