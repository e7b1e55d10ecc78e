// Pairs of records the matcher was unsure about, kept for clerical review.
UNWIND $rows AS r
MATCH (a:SourceRecord {id: r.record_a})
MATCH (b:SourceRecord {id: r.record_b})
MERGE (a)-[m:POSSIBLE_MATCH]->(b)
SET m.h = r.h, m.probability = r.probability, m.explanation = r.explanation,
    m.guard = r.guard
