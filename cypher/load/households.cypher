// Rows of persons the graph holds in a household: the membership they leave goes, and
// the household they leave is returned (`left`, null when they stay), as it may now
// have nobody (the load checks those: retire/empty_households_among).
UNWIND $rows AS r
MATCH (p:Person {id: r.person_id})
MATCH (a:Address {id: r.address_id})
OPTIONAL MATCH (p)-[old:MEMBER_OF]->(other:Household)
WHERE other.id <> r.id
DELETE old
MERGE (h:Household {id: r.id})
MERGE (h)-[:AT]->(a)
MERGE (p)-[m:MEMBER_OF]->(h)
SET m.h = r.h
RETURN DISTINCT other.id AS left
