// returns: id, nhs_number, upn, involvements
// Everything the graph holds about one person's involvements, with no policy applied:
// only for tests that check pages never show more than a role's policy allows.
MATCH (p:Person {id: $person_id})
RETURN p.id AS id, p.nhs_number AS nhs_number, p.upn AS upn,
       [(p)-[:HAS]->(i:Involvement) | i {.source, .kind, .end_reason, .detail}] AS involvements
