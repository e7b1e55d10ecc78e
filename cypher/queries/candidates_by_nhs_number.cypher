// returns: id
MATCH (p:Person {nhs_number: $nhs_number})
WHERE any(s IN p.sources WHERE s IN $sources)
RETURN p.id AS id
LIMIT $limit
