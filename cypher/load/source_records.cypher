UNWIND $rows AS r
MERGE (sr:SourceRecord {id: r.id})
WITH sr, r, sr.lh AS before
SET sr.source = r.source, sr.deep_link = r.deep_link, sr.h = r.h, sr.lh = r.lh,
    sr.given_name = r.props.given_name, sr.family_name = r.props.family_name, sr.dob = r.props.dob,
    sr.sex = r.props.sex, sr.nhs_number = r.props.nhs_number, sr.upn = r.props.upn,
    sr.other_given_names = r.props.other_given_names, sr.line1 = r.props.line1,
    sr.postcode = r.props.postcode, sr.status = null, sr.retired_at = null
WITH sr, r, before
// Most changed records keep their link as it was: the hash of the link alone (`lh`,
// on the record: no need to visit the link to compare) says so, and only the node is
// rewritten. A retired record has none (`retire/source_records.cypher`).
WHERE before IS NULL OR r.lh IS NULL OR before <> r.lh
// A record re-matched to another person moves: drop its old link first.
OPTIONAL MATCH (sr)-[old:DESCRIBES]->(other:Person)
WHERE other.id <> r.person_id
DELETE old
WITH sr, r
MATCH (p:Person {id: r.person_id})
MERGE (sr)-[d:DESCRIBES]->(p)
SET d.probability = r.probability, d.reasons = r.reasons, d.explanation = r.explanation,
    d.matched_with = r.matched_with
