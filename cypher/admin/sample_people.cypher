// returns: id
// People with at least one family relationship (benchmark samples).
MATCH (p:Person)-[r]-(:Person)
WHERE type(r) IN $family_types
RETURN DISTINCT p.id AS id
LIMIT $limit
