// Rows the plan knows are new (no Involvement with this id in the graph): CREATE the
// involvement, with every property in the CREATE, and its links; there are no old
// links to re-point. Same properties as load/involvements.cypher (a unit test
// compares).
UNWIND $rows AS r
MATCH (p:Person {id: r.person_id})
MATCH (s:Service {id: r.service_id})
CREATE (i:Involvement {id: r.id, kind: r.kind, status: r.status, start_date: r.start_date,
    end_date: r.end_date, end_reason: r.end_reason, detail: r.detail, source: r.source,
    h: r.h})
CREATE (p)-[:HAS]->(i)
CREATE (i)-[:WITH]->(s)
WITH i, r
OPTIONAL MATCH (pr:Professional {id: r.professional_id})
FOREACH (_ IN CASE WHEN pr IS NULL THEN [] ELSE [1] END | CREATE (i)-[:LEAD]->(pr))
