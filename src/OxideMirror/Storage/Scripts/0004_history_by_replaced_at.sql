-- OxideMirror schema, version 4: the history ordered by when each version stopped being current.
-- An as-of query by applied time (Log/TimeTravel/AsOfViews.cs) reads only the history rows replaced after its moment.
-- Applied times follow log order (the write path never lets them go back), so those rows are the ones from the first
-- replaced after the moment on, in replaced_seq order: one seek in this index finds it, and each history table is read
-- from there (its rows share replaced_seq and replaced_at with mirror_records_history's) instead of from its start.
CREATE INDEX mirror_records_history_replaced_at ON mirror_records_history (replaced_at);
