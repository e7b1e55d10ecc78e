// returns: key, h
// What the graph holds for load step `households`: identity and content hash.
MATCH (p:Person)-[m:MEMBER_OF]->(:Household)
RETURN p.id AS key, m.h AS h
