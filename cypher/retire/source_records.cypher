// Records gone from their extract are kept, detached and marked retired.
UNWIND $keys AS k
MATCH (n:SourceRecord {id: k})
OPTIONAL MATCH (n)-[d:DESCRIBES]->()
DELETE d
SET n.status = 'retired', n.retired_at = $now, n.lh = null
