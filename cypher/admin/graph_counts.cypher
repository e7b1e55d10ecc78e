// returns: kind, name, count
// Node counts by label and relationship counts by type (tests and load checks).
MATCH (n)
RETURN 'node' AS kind, labels(n)[0] AS name, count(*) AS count
UNION ALL
MATCH ()-[r]->()
RETURN 'relationship' AS kind, type(r) AS name, count(*) AS count
