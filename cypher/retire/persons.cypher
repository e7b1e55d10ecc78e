UNWIND $keys AS k
MATCH (n:Person {id: k})
DETACH DELETE n
