// returns: key, h
// What the graph holds for load step `addresses`: identity and content hash.
MATCH (n:Address) RETURN n.id AS key, n.h AS h
