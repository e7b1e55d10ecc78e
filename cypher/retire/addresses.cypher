UNWIND $keys AS k
MATCH (n:Address {id: k})
DETACH DELETE n
