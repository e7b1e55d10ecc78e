// returns: key, h
// What the graph holds for load step `professionals`: identity and content hash.
MATCH (n:Professional) RETURN n.id AS key, n.h AS h
