// returns: start, end, type
// Every family relationship (for exports and the SQL comparison benchmark).
MATCH (a:Person)-[r]->(b:Person)
WHERE type(r) IN $family_types
RETURN a.id AS start, b.id AS end, type(r) AS type
