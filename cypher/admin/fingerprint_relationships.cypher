// returns: type, start, end, props
// Every relationship between our nodes, by our string ids, for the fingerprint.
MATCH (a)-[r]->(b)
RETURN type(r) AS type, a.id AS start, b.id AS end, properties(r) AS props
