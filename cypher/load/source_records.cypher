UNWIND $rows AS r
MERGE (sr:SourceRecord {id: r.id})
SET sr.source = r.source, sr.deep_link = r.deep_link, sr.h = r.h,
    sr.given_name = r.props.given_name, sr.family_name = r.props.family_name, sr.dob = r.props.dob,
    sr.sex = r.props.sex, sr.nhs_number = r.props.nhs_number, sr.upn = r.props.upn,
    sr.other_given_names = r.props.other_given_names, sr.line1 = r.props.line1,
    sr.postcode = r.props.postcode, sr.status = null, sr.retired_at = null
WITH sr, r
// Most changed records keep their link as it was (its hash `lh` says): only the node
// is rewritten. (At 1,000,000 records the link's part took as long as the node's.)
OPTIONAL MATCH (sr)-[kept:DESCRIBES]->(p:Person {id: r.person_id})
WITH sr, r, kept
WHERE kept IS NULL OR kept.lh IS NULL OR kept.lh <> r.lh
// A record re-matched to another person moves: drop its old link first.
OPTIONAL MATCH (sr)-[old:DESCRIBES]->(other:Person)
WHERE other.id <> r.person_id
DELETE old
WITH sr, r
MATCH (p:Person {id: r.person_id})
MERGE (sr)-[d:DESCRIBES]->(p)
SET d.probability = r.probability, d.reasons = r.reasons, d.explanation = r.explanation,
    d.matched_with = r.matched_with, d.lh = r.lh
