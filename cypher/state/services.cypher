// returns: key, h
// What the graph holds for load step `services`: identity and content hash.
MATCH (n:Service) RETURN n.id AS key, n.h AS h
