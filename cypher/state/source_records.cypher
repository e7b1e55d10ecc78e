// returns: key, h
// What the graph holds for load step `source_records`: identity and content hash.
MATCH (n:SourceRecord) WHERE n.status IS NULL RETURN n.id AS key, n.h AS h
