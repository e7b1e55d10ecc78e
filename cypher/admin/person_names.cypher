// returns: id, given_name, family_name
// Every person's id and name (for exports and the SQL comparison benchmark).
MATCH (p:Person)
RETURN p.id AS id, p.given_name AS given_name, p.family_name AS family_name
