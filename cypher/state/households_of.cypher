// returns: id
// The households the persons `$ids` belong to: those a refresh that moves or retires
// these persons may leave with nobody (see retire/empty_households_among).
UNWIND $ids AS id
MATCH (:Person {id: id})-[:MEMBER_OF]->(h:Household)
RETURN DISTINCT h.id AS id
