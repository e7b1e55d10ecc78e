// Rows the plan knows are new (no relationship of this type between these two
// people): CREATE, not MERGE, with its properties in the CREATE. Same as
// load/family.cypher otherwise (a unit test compares).
UNWIND $rows AS r
MATCH (a:Person {id: r.from})
MATCH (b:Person {id: r.to})
FOREACH (_ IN CASE WHEN r.type = 'PARENT_OF' THEN [1] ELSE [] END |
  CREATE (a)-[x:PARENT_OF {sources: r.sources, h: r.h}]->(b))
FOREACH (_ IN CASE WHEN r.type = 'STEP_PARENT_OF' THEN [1] ELSE [] END |
  CREATE (a)-[x:STEP_PARENT_OF {sources: r.sources, h: r.h}]->(b))
FOREACH (_ IN CASE WHEN r.type = 'GRANDPARENT_OF' THEN [1] ELSE [] END |
  CREATE (a)-[x:GRANDPARENT_OF {sources: r.sources, h: r.h}]->(b))
FOREACH (_ IN CASE WHEN r.type = 'CARER_OF' THEN [1] ELSE [] END |
  CREATE (a)-[x:CARER_OF {sources: r.sources, h: r.h}]->(b))
FOREACH (_ IN CASE WHEN r.type = 'RELATIVE_OF' THEN [1] ELSE [] END |
  CREATE (a)-[x:RELATIVE_OF {sources: r.sources, h: r.h}]->(b))
FOREACH (_ IN CASE WHEN r.type = 'PARTNER_OF' THEN [1] ELSE [] END |
  CREATE (a)-[x:PARTNER_OF {sources: r.sources, h: r.h}]->(b))
FOREACH (_ IN CASE WHEN r.type = 'SIBLING_OF' THEN [1] ELSE [] END |
  CREATE (a)-[x:SIBLING_OF {sources: r.sources, h: r.h}]->(b))
FOREACH (_ IN CASE WHEN r.type = 'HALF_SIBLING_OF' THEN [1] ELSE [] END |
  CREATE (a)-[x:HALF_SIBLING_OF {sources: r.sources, h: r.h}]->(b))
