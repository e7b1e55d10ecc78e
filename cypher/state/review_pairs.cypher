// returns: key, h
// What the graph holds for load step `review_pairs`: identity and content hash.
MATCH (a:SourceRecord)-[m:POSSIBLE_MATCH]->(b:SourceRecord)
RETURN a.id + '|' + b.id AS key, m.h AS h
