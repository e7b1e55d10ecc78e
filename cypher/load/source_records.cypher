UNWIND $rows AS r
MERGE (sr:SourceRecord {id: r.id})
SET sr += r.props, sr.source = r.source, sr.deep_link = r.deep_link, sr.h = r.h,
    sr.status = null, sr.retired_at = null
WITH sr, r
// A record re-matched to another person moves: drop its old link first.
OPTIONAL MATCH (sr)-[old:DESCRIBES]->(other:Person)
WHERE other.id <> r.person_id
DELETE old
WITH sr, r
MATCH (p:Person {id: r.person_id})
MERGE (sr)-[d:DESCRIBES]->(p)
SET d.probability = r.probability, d.reasons = r.reasons, d.explanation = r.explanation,
    d.matched_with = r.matched_with
