// Rows the plan knows are new (the person belongs to no household in the graph):
// nothing old to detach, and the MEMBER_OF is created. The household itself may exist
// already (other members), so it is still MERGEd. Same properties as
// load/households.cypher (a unit test compares).
UNWIND $rows AS r
MATCH (p:Person {id: r.person_id})
MATCH (a:Address {id: r.address_id})
MERGE (h:Household {id: r.id})
MERGE (h)-[:AT]->(a)
CREATE (p)-[m:MEMBER_OF {h: r.h}]->(h)
