// returns: household_id, member {id, given_name, family_name, dob, sex}
MATCH (p:Person {id: $person_id})-[:MEMBER_OF]->(h:Household)<-[:MEMBER_OF]-(m:Person)
WHERE m.id <> p.id AND any(s IN m.sources WHERE s IN $sources)
RETURN h.id AS household_id, m {.id, .given_name, .family_name, .dob, .sex} AS member
ORDER BY m.dob, m.id
