// returns: key, h, live
// What the graph holds for load step `source_records`: identity and content hash.
// Retired records are listed too (so a record that comes back is updated, never
// created twice), with no hash (so it counts as changed) and `live` false (so it is
// not retired again).
MATCH (n:SourceRecord)
RETURN n.id AS key, CASE WHEN n.status IS NULL THEN n.h END AS h, n.status IS NULL AS live
