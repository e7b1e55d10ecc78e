// returns: key, h
// What the graph holds for load step `sources`: identity and content hash.
MATCH (n:Source) RETURN n.id AS key, n.h AS h
