// returns: id
MATCH (p:Person {upn: $upn})
WHERE any(s IN p.sources WHERE s IN $sources)
RETURN p.id AS id
LIMIT $limit
