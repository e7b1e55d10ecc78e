UNWIND $keys AS k
WITH split(k, '|') AS part
MATCH (:Person {id: part[0]})-[l:LIVES_AT {source: part[2]}]->(:Address {id: part[1]})
DELETE l
