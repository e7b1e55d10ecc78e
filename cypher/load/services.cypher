UNWIND $rows AS r
MERGE (s:Service {id: r.id})
SET s.h = r.h, s.name = r.name, s.source = r.source
WITH s, r
MATCH (o:Organisation {id: r.organisation_id})
MERGE (s)-[:PART_OF]->(o)
