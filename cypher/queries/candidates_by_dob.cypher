// returns: id
MATCH (p:Person {dob: $dob})
WHERE any(s IN p.sources WHERE s IN $sources)
RETURN p.id AS id
LIMIT $limit
