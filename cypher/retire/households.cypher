UNWIND $keys AS k
MATCH (:Person {id: k})-[m:MEMBER_OF]->(:Household)
DELETE m
