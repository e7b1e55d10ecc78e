UNWIND $keys AS k
MATCH (n:Organisation {id: k})
DETACH DELETE n
