// returns: key, h
// What the graph holds for load step `organisations`: identity and content hash.
MATCH (n:Organisation) RETURN n.id AS key, n.h AS h
