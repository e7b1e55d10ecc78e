// returns: member {id, given_name, family_name, dob, sex}, relationship, outgoing, sources
// Family relationships of one person, both directions, to people a visible source knows.
MATCH (p:Person {id: $person_id})-[r]-(m:Person)
WHERE type(r) IN $family_types
  AND any(s IN m.sources WHERE s IN $sources)
  AND any(s IN r.sources WHERE s IN $sources OR s = 'derived')
RETURN m {.id, .given_name, .family_name, .dob, .sex} AS member, type(r) AS relationship,
       startNode(r).id = $person_id AS outgoing, r.sources AS sources
ORDER BY m.dob, m.id
