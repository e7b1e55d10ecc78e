// returns: key, h
// What the graph holds for load step `family`: identity and content hash.
MATCH (a:Person)-[r]->(b:Person)
WHERE type(r) IN $family_types
RETURN a.id + '|' + b.id + '|' + type(r) AS key, r.h AS h
