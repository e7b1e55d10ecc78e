// returns: person_id, member_id, relationship, outgoing
// The family relationships of several people at once, for the interactive network, on
// the same rule as queries/family (names come from people_summaries).
UNWIND $person_ids AS person_id
MATCH (p:Person {id: person_id})-[r]-(m:Person)
WHERE type(r) IN $family_types
  AND any(s IN m.sources WHERE s IN $sources)
  AND (any(s IN r.sources WHERE s IN $sources)
    OR ('derived' IN r.sources AND EXISTS {
          MATCH (p)<-[r1:PARENT_OF]-(:Person)-[r2:PARENT_OF]->(m)
          WHERE any(s IN r1.sources WHERE s IN $sources)
            AND any(s IN r2.sources WHERE s IN $sources) }))
RETURN person_id, m.id AS member_id, type(r) AS relationship,
       startNode(r).id = person_id AS outgoing
