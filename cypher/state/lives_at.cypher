// returns: key, h
// What the graph holds for load step `lives_at`: identity and content hash.
MATCH (p:Person)-[l:LIVES_AT]->(a:Address)
RETURN p.id + '|' + a.id + '|' + l.source AS key, l.h AS h
