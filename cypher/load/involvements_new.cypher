// Rows the plan knows are new (no Involvement with this id in the graph): CREATE the
// involvement and its links; there are no old links to re-point. Same properties as
// load/involvements.cypher (a unit test compares).
UNWIND $rows AS r
MATCH (p:Person {id: r.person_id})
MATCH (s:Service {id: r.service_id})
CREATE (i:Involvement {id: r.id})
SET i.kind = r.kind, i.status = r.status, i.start_date = r.start_date, i.end_date = r.end_date,
    i.end_reason = r.end_reason, i.detail = r.detail, i.source = r.source, i.h = r.h
CREATE (p)-[:HAS]->(i)
CREATE (i)-[:WITH]->(s)
WITH i, r
OPTIONAL MATCH (pr:Professional {id: r.professional_id})
FOREACH (_ IN CASE WHEN pr IS NULL THEN [] ELSE [1] END | CREATE (i)-[:LEAD]->(pr))
