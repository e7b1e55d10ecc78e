UNWIND $rows AS r
MERGE (sr:SourceRecord {id: r.id})
SET sr += r.props, sr.source = r.source, sr.deep_link = r.deep_link,
    sr.extracted_at = r.extracted_at
WITH sr, r
MATCH (p:Person {id: r.person_id})
MATCH (s:Source {id: r.source})
MERGE (sr)-[d:DESCRIBES]->(p)
SET d.probability = r.probability, d.reasons = r.reasons
MERGE (sr)-[:FROM]->(s)
