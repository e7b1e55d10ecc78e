// Rows the plan knows are new (the person belongs to no household in the graph):
// nothing old to detach, and the MEMBER_OF is created. The household itself may exist
// already (other members), so it is still MERGEd, once for the rows of the batch
// that name it (the load gives them in household order). Same properties as
// load/households.cypher (a unit test compares).
UNWIND $rows AS r
WITH r.id AS id, r.address_id AS address_id, collect(r) AS members
MATCH (a:Address {id: address_id})
MERGE (h:Household {id: id})
MERGE (h)-[:AT]->(a)
WITH h, members
UNWIND members AS r
MATCH (p:Person {id: r.person_id})
CREATE (p)-[m:MEMBER_OF {h: r.h}]->(h)
