// Rows whose record's own values changed, or whose state the graph does not hold (a
// retired record come back, or a graph written by older code): the node is written,
// its `h` the hash of those values alone (`rh`; `lh` on nodes is older code's). Its
// DESCRIBES link is rewritten only when the link's own hash (`lh`, on the link: no
// node to rewrite to compare) is not the row's, or it links another person, or none.
// Rows whose link alone changed go to load/source_record_links.cypher.
UNWIND $rows AS r
MERGE (sr:SourceRecord {id: r.id})
SET sr.source = r.source, sr.deep_link = r.deep_link, sr.h = r.rh, sr.lh = null,
    sr.given_name = r.props.given_name, sr.family_name = r.props.family_name, sr.dob = r.props.dob,
    sr.sex = r.props.sex, sr.nhs_number = r.props.nhs_number, sr.upn = r.props.upn,
    sr.other_given_names = r.props.other_given_names, sr.line1 = r.props.line1,
    sr.postcode = r.props.postcode, sr.status = null, sr.retired_at = null
WITH sr, r
OPTIONAL MATCH (sr)-[kept:DESCRIBES]->(linked:Person)
WITH sr, r, kept, linked
WHERE kept IS NULL OR linked.id <> r.person_id OR kept.lh IS NULL OR r.lh IS NULL
    OR kept.lh <> r.lh
// A record re-matched to another person moves: drop its old link first.
OPTIONAL MATCH (sr)-[old:DESCRIBES]->(other:Person)
WHERE other.id <> r.person_id
DELETE old
WITH sr, r
MATCH (p:Person {id: r.person_id})
MERGE (sr)-[d:DESCRIBES]->(p)
SET d.probability = r.probability, d.reasons = r.reasons, d.explanation = r.explanation,
    d.matched_with = r.matched_with, d.lh = r.lh
