UNWIND $rows AS r
MATCH (p:Person {id: r.person_id})
MATCH (s:Service {id: r.service_id})
MERGE (i:Involvement {id: r.id})
SET i.kind = r.kind, i.status = r.status, i.start_date = r.start_date, i.end_date = r.end_date,
    i.end_reason = r.end_reason, i.detail = r.detail, i.source = r.source, i.h = r.h
WITH p, s, i, r
// Re-point links that changed since the last load (person re-matched, new lead).
OPTIONAL MATCH (i)<-[old:HAS]-(:Person)
DELETE old
WITH p, s, i, r
OPTIONAL MATCH (i)-[oldw:WITH]->(:Service)
DELETE oldw
WITH p, s, i, r
OPTIONAL MATCH (i)-[oldl:LEAD]->(:Professional)
DELETE oldl
WITH p, s, i, r
MERGE (p)-[:HAS]->(i)
MERGE (i)-[:WITH]->(s)
WITH i, r
OPTIONAL MATCH (pr:Professional {id: r.professional_id})
FOREACH (_ IN CASE WHEN pr IS NULL THEN [] ELSE [1] END | MERGE (i)-[:LEAD]->(pr))
