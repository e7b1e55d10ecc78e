// returns: id, hops
// The wider family: relatives of a person and their relatives (two steps), as far as
// the viewer's sources go, each step on the rule of queries/family. Used by analysts
// and the web benchmark.
MATCH (p:Person {id: $person_id})-[r1]-(m:Person)
WHERE type(r1) IN $family_types AND any(s IN m.sources WHERE s IN $sources)
  AND (any(s IN r1.sources WHERE s IN $sources)
    OR ('derived' IN r1.sources AND EXISTS {
          MATCH (p)<-[a:PARENT_OF]-(:Person)-[b:PARENT_OF]->(m)
          WHERE any(s IN a.sources WHERE s IN $sources)
            AND any(s IN b.sources WHERE s IN $sources) }))
OPTIONAL MATCH (m)-[r2]-(n:Person)
WHERE type(r2) IN $family_types AND n.id <> p.id AND any(s IN n.sources WHERE s IN $sources)
  AND (any(s IN r2.sources WHERE s IN $sources)
    OR ('derived' IN r2.sources AND EXISTS {
          MATCH (m)<-[a:PARENT_OF]-(:Person)-[b:PARENT_OF]->(n)
          WHERE any(s IN a.sources WHERE s IN $sources)
            AND any(s IN b.sources WHERE s IN $sources) }))
WITH p, collect(DISTINCT m) AS near, collect(DISTINCT n) AS far
UNWIND near + [x IN far WHERE NOT x IN near] AS person
RETURN person.id AS id, CASE WHEN person IN near THEN 1 ELSE 2 END AS hops
