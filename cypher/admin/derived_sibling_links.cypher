// returns: a, b, type, sources, parent_sources
// Sibling links the ETL derived from parent links, with the sources of each pair of
// parent links (through a common parent) they rest on, with no policy applied: only
// for tests of which links a role may see.
MATCH (a:Person)-[r:SIBLING_OF|HALF_SIBLING_OF]->(b:Person)
WHERE 'derived' IN r.sources
RETURN a.id AS a, b.id AS b, type(r) AS type, r.sources AS sources,
       [(a)<-[r1:PARENT_OF]-(:Person)-[r2:PARENT_OF]->(b) | [r1.sources, r2.sources]]
         AS parent_sources
