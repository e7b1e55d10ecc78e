// returns: id
// People a record of a source the viewer may see gives this date of birth (sources
// disagree: the person's own `dob` is only the commonest across every source).
MATCH (sr:SourceRecord {dob: $dob})
WHERE sr.source IN $sources
MATCH (sr)-[:DESCRIBES]->(p:Person)
RETURN DISTINCT p.id AS id
LIMIT $limit
