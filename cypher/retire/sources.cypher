UNWIND $keys AS k
MATCH (n:Source {id: k})
DETACH DELETE n
