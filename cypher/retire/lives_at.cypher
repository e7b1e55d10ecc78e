UNWIND $keys AS k
WITH k, split(k, '|') AS part
WITH k, part[0] AS person, part[size(part) - 1] AS source
WITH person, source, substring(k, size(person) + 1, size(k) - size(person) - size(source) - 2) AS address
MATCH (:Person {id: person})-[l:LIVES_AT {source: source}]->(:Address {id: address})
DELETE l
