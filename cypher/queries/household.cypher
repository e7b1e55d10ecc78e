// returns: household_id, member_id
// The other members of one person's household whom a visible source knows (names come
// from people_summaries).
MATCH (p:Person {id: $person_id})-[:MEMBER_OF]->(h:Household)<-[:MEMBER_OF]-(m:Person)
WHERE m.id <> p.id AND any(s IN m.sources WHERE s IN $sources)
RETURN h.id AS household_id, m.id AS member_id
ORDER BY m.dob, m.id
