// returns: key, h, live
// What the graph holds for load step `source_records`: identity and content hash, the
// record's half (`h` on the node) and its link's (`lh` on DESCRIBES: none, and so no
// hash, for a record written by older code, which is then rewritten whole).
// Retired records are listed too (so a record that comes back is updated, never
// created twice), with no hash (so it counts as changed) and `live` false (so it is
// not retired again).
MATCH (n:SourceRecord)
OPTIONAL MATCH (n)-[d:DESCRIBES]->(:Person)
RETURN n.id AS key, CASE WHEN n.status IS NULL AND d.lh IS NOT NULL THEN n.h + d.lh END AS h,
    n.status IS NULL AS live
