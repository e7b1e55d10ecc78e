UNWIND $rows AS r
MATCH (p:Person {id: r.person_id})
MATCH (a:Address {id: r.address_id})
MERGE (h:Household {id: r.id})
MERGE (h)-[:AT]->(a)
MERGE (p)-[:MEMBER_OF]->(h)
