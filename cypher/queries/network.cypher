// returns: member {id, given_name, family_name, dob}, relationship, outgoing
// The family relationships of several people at once, for the interactive network.
UNWIND $person_ids AS person_id
MATCH (p:Person {id: person_id})-[r]-(m:Person)
WHERE type(r) IN $family_types
  AND any(s IN m.sources WHERE s IN $sources)
  AND any(s IN r.sources WHERE s IN $sources OR s = 'derived')
RETURN person_id, m {.id, .given_name, .family_name, .dob} AS member, type(r) AS relationship,
       startNode(r).id = person_id AS outgoing
