// returns: key, h
// What the graph holds for load step `persons`: identity and content hash.
MATCH (n:Person) RETURN n.id AS key, n.h AS h
