// A pair decided, or no longer uncertain, leaves the review queue. Its key is
// record|record, and a record id may hold a bar of its own (made from a source's
// key): each bar in the key is tried as the one between the two ids.
UNWIND $keys AS k
UNWIND [at IN range(1, size(k) - 2) WHERE substring(k, at, 1) = '|'] AS at
MATCH (:SourceRecord {id: left(k, at)})-[m:POSSIBLE_MATCH]->(:SourceRecord {id: substring(k, at + 1)})
DELETE m
