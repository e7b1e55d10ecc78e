// returns: id, given_name, family_name, given_key, family_key, other_names, dob, sex, postcode, postcodes, sources
// What a search result shows (and is filtered on) for each of a list of people.
UNWIND $person_ids AS person_id
MATCH (p:Person {id: person_id})
OPTIONAL MATCH (p)-[l:LIVES_AT]->(a:Address)
WHERE l.source IN $sources
WITH p, a, l
ORDER BY l.to_date IS NULL DESC, l.reported_at DESC, l.from_date DESC
WITH p, collect(a.postcode) AS postcodes
RETURN p.id AS id, p.given_name AS given_name, p.family_name AS family_name,
       p.given_key AS given_key, p.family_key AS family_key, p.other_names AS other_names,
       p.dob AS dob, p.sex AS sex, postcodes[0] AS postcode, postcodes,
       [s IN p.sources WHERE s IN $sources] AS sources
