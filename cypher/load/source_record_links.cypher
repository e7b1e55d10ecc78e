// Rows of live records whose own values are as the graph holds them and whose link
// changed (`load.Step.link_only`): only the DESCRIBES link is written, not the node
// (re-matched to another person, the old link is dropped first).
UNWIND $rows AS r
MATCH (sr:SourceRecord {id: r.id})
OPTIONAL MATCH (sr)-[old:DESCRIBES]->(other:Person)
WHERE other.id <> r.person_id
DELETE old
WITH sr, r
MATCH (p:Person {id: r.person_id})
MERGE (sr)-[d:DESCRIBES]->(p)
SET d.probability = r.probability, d.reasons = r.reasons, d.explanation = r.explanation,
    d.matched_with = r.matched_with, d.lh = r.lh
