// returns: start, end
// Family relationships that a source the viewer's role sees or counts records (each
// edge carries its sources). For aggregate figures only.
MATCH (a:Person)-[r]->(b:Person)
WHERE type(r) IN $family_types AND any(s IN r.sources WHERE s IN $sources OR s IN $count_sources)
RETURN a.id AS start, b.id AS end
