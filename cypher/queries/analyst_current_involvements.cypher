// returns: person_id, source
// Which sources the viewer's role sees or counts have a current involvement with each
// person (of the kinds the role may see). For aggregate figures only.
MATCH (p:Person)-[:HAS]->(i:Involvement {status: 'current'})
WHERE (i.source IN $sources OR i.source IN $count_sources) AND ($all_kinds OR i.kind IN $kinds)
RETURN DISTINCT p.id AS person_id, i.source AS source
