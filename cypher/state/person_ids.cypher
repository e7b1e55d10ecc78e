// returns: record, person
// Which person each current source record describes: person ids carry forward from these.
MATCH (sr:SourceRecord)-[:DESCRIBES]->(p:Person)
WHERE sr.status IS NULL
RETURN sr.id AS record, p.id AS person
