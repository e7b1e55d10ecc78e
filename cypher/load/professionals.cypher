UNWIND $rows AS r
MERGE (pr:Professional {id: r.id})
SET pr.h = r.h, pr.name = r.name, pr.role = r.role, pr.team = r.team, pr.email = r.email,
    pr.phone = r.phone, pr.source = r.source
WITH pr, r
MATCH (o:Organisation {id: r.organisation_id})
MERGE (pr)-[:WORKS_FOR]->(o)
