// Rows of persons held in a household who may take it with them (`load.movable`: no
// other row moves anyone to the household they go to): a person who is the only
// member of their household, and goes to a household the graph does not hold, keeps
// the node, given the new household's id and address. Nothing is created, and nothing
// is left empty to delete (a household's only property is its id, so the graph is
// the one a full load gives). Returns the persons moved so; the other rows go through
// load/households.cypher.
UNWIND $rows AS r
MATCH (p:Person {id: r.person_id})-[m:MEMBER_OF]->(h:Household)
WHERE h.id <> r.id AND COUNT { (h)<-[:MEMBER_OF]-() } = 1
    AND NOT EXISTS { MATCH (:Household {id: r.id}) }
MATCH (a:Address {id: r.address_id})
OPTIONAL MATCH (h)-[at:AT]->()
DELETE at
SET h.id = r.id, m.h = r.h
MERGE (h)-[:AT]->(a)
RETURN DISTINCT p.id AS moved
