UNWIND $keys AS k
MATCH (n:Involvement {id: k})
DETACH DELETE n
