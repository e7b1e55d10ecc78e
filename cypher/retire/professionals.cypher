UNWIND $keys AS k
MATCH (n:Professional {id: k})
DETACH DELETE n
