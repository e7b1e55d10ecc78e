// Rows the plan knows are new (no LIVES_AT for this person, address and source):
// CREATE, not MERGE, with every property in the CREATE. Same properties as
// load/lives_at.cypher (a unit test compares).
UNWIND $rows AS r
MATCH (p:Person {id: r.person_id})
MATCH (a:Address {id: r.address_id})
CREATE (p)-[l:LIVES_AT {source: r.source, h: r.h, from_date: r.from_date, to_date: r.to_date,
    reported_at: r.reported_at, current: r.current}]->(a)
