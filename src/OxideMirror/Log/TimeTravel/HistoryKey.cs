namespace OxideMirror;

/// <summary>
/// The key every replaced version is stored under: the rowid of <c>mirror_records_history</c> and of each resource's
/// history table, the same for one version in both. It puts the versions current at a moment next to each other, so an
/// as-of query reads those versions and not the whole history after its moment (<see cref="AsOfViews"/>).
/// </summary>
/// <remarks>
/// <para>The high bits are the version's <em>epoch</em>: the log position of the event that replaced it, divided into spans
/// of <c>2^<see cref="EpochBits"/></c> positions. The low <see cref="SeqBits"/> bits are the log position of the event
/// that made it (<c>mirror_records.seq</c> while it was current). Within an epoch the versions are therefore in the order
/// they became current, and the versions current at a moment T are, in each epoch from T's on, the ones made before T: a
/// prefix of the epoch. An as-of query seeks each epoch (<c>mirror_epochs</c> lists them) and reads its prefix, so it
/// reads about as many history rows as there were versions current at T, wherever T is in the log.</para>
/// <para>A version is written into the epoch of the event that replaces it, which is always one of the newest, so the
/// history grows at its end as before; the rows of one epoch arrive in log order of their replacement, not of their
/// key, which SQLite places within the epoch's last few pages.</para>
/// <para>Log positions must stay below 2^<see cref="SeqBits"/> (about 1.1 × 10^12 events) for the key to hold them.</para>
/// </remarks>
internal static class HistoryKey
{
    /// <summary>The bits of the replacing event's log position that one epoch spans: 1,024 positions.</summary>
    public const int EpochBits = 10;

    /// <summary>The bits of the key that hold the log position of the event that made the version.</summary>
    public const int SeqBits = 40;

    /// <summary>The table of the epochs that hold history rows, one row each (<c>epoch</c>, the primary key of a <c>WITHOUT ROWID</c> table).</summary>
    public const string EpochsTable = "mirror_epochs";

    /// <summary>The largest log position a key can hold.</summary>
    public const long MaxSeq = (1L << SeqBits) - 1;

    /// <summary>Fills <see cref="EpochsTable"/> from <c>mirror_records_history</c> (which holds every history row's key).</summary>
    public static readonly string FillEpochsSql = $"INSERT OR IGNORE INTO {EpochsTable} (epoch) SELECT DISTINCT {EpochSql("key")} FROM mirror_records_history";

    /// <summary>Deletes the epochs no history row is in any more (after a compaction removed versions).</summary>
    public static readonly string PruneEpochsSql =
        $"DELETE FROM {EpochsTable} WHERE NOT EXISTS (SELECT 1 FROM mirror_records_history h WHERE h.key >= {EpochStartSql("epoch")} AND h.key < {EpochStartSql("epoch + 1")})";

    /// <summary>The key of the version made by the event at <paramref name="madeSeq"/> and replaced by the one at <paramref name="replacedSeq"/>.</summary>
    /// <exception cref="MirrorException">A log position is beyond what a key holds.</exception>
    public static long Of(long madeSeq, long replacedSeq)
    {
        if ((ulong)madeSeq > MaxSeq || (ulong)replacedSeq > MaxSeq)
        {
            throw new MirrorException($"The log position {Math.Max(madeSeq, replacedSeq)} is beyond the {MaxSeq} the history can key. Compact the log into a new store to go on.");
        }

        return (Epoch(replacedSeq) << SeqBits) | madeSeq;
    }

    /// <summary>The epoch of a version replaced by the event at <paramref name="replacedSeq"/>.</summary>
    public static long Epoch(long replacedSeq) => replacedSeq >> EpochBits;

    /// <summary>The key as a SQL expression of two integer expressions, as <see cref="Of"/> computes it.</summary>
    public static string Sql(string madeSeq, string replacedSeq) => $"((({replacedSeq}) >> {EpochBits}) << {SeqBits}) | ({madeSeq})";

    /// <summary>The epoch of a key, as a SQL expression of it.</summary>
    public static string EpochSql(string key) => $"(({key}) >> {SeqBits})";

    /// <summary>The lowest key of an epoch, as a SQL expression of it.</summary>
    public static string EpochStartSql(string epoch) => $"(({epoch}) << {SeqBits})";

    /// <summary>The first log position after an epoch, as a SQL expression of it.</summary>
    public static string EpochEndSeqSql(string epoch) => $"((({epoch}) + 1) << {EpochBits})";

    /// <summary>The log position of the event that made a version, as a SQL expression of its key.</summary>
    public static string MadeSeqSql(string key) => $"(({key}) & {MaxSeq})";
}
