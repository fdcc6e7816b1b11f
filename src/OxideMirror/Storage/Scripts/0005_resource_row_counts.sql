-- OxideMirror schema, version 5: each resource table's row count, kept by the write path.
-- DescribeAsync used to count every resource table (a scan of its primary-key index: hundreds of milliseconds on a
-- cold file of millions of records). The write path now adds each committed batch's rows gained and lost to row_count,
-- in the batch's transaction (Write/ResourceTable.cs), and a rebuild recounts. NULL means "not counted yet": opening a
-- store counts those tables once, under the write lock (Storage/StoreOpener.cs).
ALTER TABLE mirror_resources ADD COLUMN row_count INTEGER;
