UNWIND $keys AS k
MATCH (n:Service {id: k})
DETACH DELETE n
