// returns: labels, props
// Every node with its properties, for the graph fingerprint (tests, checks).
MATCH (n)
RETURN labels(n) AS labels, properties(n) AS props
