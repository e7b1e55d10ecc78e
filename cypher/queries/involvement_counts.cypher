// returns: person_id, source, involvements
// For sources a role may see only as a count: how many involvements each person has.
UNWIND $person_ids AS person_id
MATCH (:Person {id: person_id})-[:HAS]->(i:Involvement)
WHERE i.source IN $count_sources
RETURN person_id, i.source AS source, count(i) AS involvements
ORDER BY person_id, source
