// Rows the plan knows are new (no SourceRecord with this id in the graph, retired or
// not): CREATE the record and its one DESCRIBES link. Same properties as
// load/source_records.cypher (a unit test compares).
UNWIND $rows AS r
CREATE (sr:SourceRecord {id: r.id})
SET sr += r.props, sr.source = r.source, sr.deep_link = r.deep_link, sr.h = r.h
WITH sr, r
MATCH (p:Person {id: r.person_id})
CREATE (sr)-[d:DESCRIBES]->(p)
SET d.probability = r.probability, d.reasons = r.reasons, d.explanation = r.explanation,
    d.matched_with = r.matched_with
