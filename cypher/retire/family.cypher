UNWIND $keys AS k
WITH split(k, '|') AS part
MATCH (:Person {id: part[0]})-[r]->(:Person {id: part[1]})
WHERE type(r) = part[2]
DELETE r
