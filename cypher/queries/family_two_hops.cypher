// returns: id, given_name, family_name, hops
// The wider family: relatives of a person and their relatives (two steps), as far as
// the viewer's sources go. Used by analysts and the web benchmark.
MATCH (p:Person {id: $person_id})-[r1]-(m:Person)
WHERE type(r1) IN $family_types AND any(s IN m.sources WHERE s IN $sources)
OPTIONAL MATCH (m)-[r2]-(n:Person)
WHERE type(r2) IN $family_types AND n.id <> p.id AND any(s IN n.sources WHERE s IN $sources)
WITH p, collect(DISTINCT m) AS near, collect(DISTINCT n) AS far
UNWIND near + [x IN far WHERE NOT x IN near] AS person
RETURN person.id AS id, person.given_name AS given_name, person.family_name AS family_name,
       CASE WHEN person IN near THEN 1 ELSE 2 END AS hops
