UNWIND $rows AS r
MATCH (p:Person {id: r.person_id})
MATCH (a:Address {id: r.address_id})
MERGE (p)-[l:LIVES_AT {source: r.source}]->(a)
SET l.h = r.h, l.from_date = r.from_date, l.to_date = r.to_date, l.reported_at = r.reported_at, l.current = r.current
