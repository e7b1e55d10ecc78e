// A pair decided, or no longer uncertain, leaves the review queue.
UNWIND $keys AS k
WITH split(k, '|') AS part
MATCH (:SourceRecord {id: part[0]})-[m:POSSIBLE_MATCH]->(:SourceRecord {id: part[1]})
DELETE m
