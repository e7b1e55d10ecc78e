// returns: member_id, relationship, outgoing, sources
// Family relationships of one person, both directions, to people a visible source knows,
// resting on a source the viewer may see: a derived sibling link only when both parent
// links it comes from do. Names come from people_summaries (visible records only).
MATCH (p:Person {id: $person_id})-[r]-(m:Person)
WHERE type(r) IN $family_types
  AND any(s IN m.sources WHERE s IN $sources)
  AND (any(s IN r.sources WHERE s IN $sources)
    OR ('derived' IN r.sources AND EXISTS {
          MATCH (p)<-[r1:PARENT_OF]-(:Person)-[r2:PARENT_OF]->(m)
          WHERE any(s IN r1.sources WHERE s IN $sources)
            AND any(s IN r2.sources WHERE s IN $sources) }))
RETURN m.id AS member_id, type(r) AS relationship,
       startNode(r).id = $person_id AS outgoing, r.sources AS sources
ORDER BY m.dob, m.id
