// returns: key, h
// What the graph holds for load step `involvements`: identity and content hash.
MATCH (n:Involvement) RETURN n.id AS key, n.h AS h
