// returns: total, pairs [{a {id, source, given_name, family_name}, b {...the same}, probability, guard}]
// The clerical review queue: pairs of current source records the matcher was unsure
// about, both from sources the viewer may see, most probable first; one page of them
// ($skip, $limit) and how many there are in all. (Map literals, not nested map
// projections: the local server flattens a projection nested in a map.)
MATCH (a:SourceRecord)-[m:POSSIBLE_MATCH]->(b:SourceRecord)
WHERE a.source IN $sources AND b.source IN $sources
  AND a.status IS NULL AND b.status IS NULL
WITH a, m, b
ORDER BY m.probability DESC, a.id, b.id
WITH collect({a: {id: a.id, source: a.source, given_name: a.given_name, family_name: a.family_name},
              b: {id: b.id, source: b.source, given_name: b.given_name, family_name: b.family_name},
              probability: m.probability, guard: m.guard}) AS pairs
RETURN size(pairs) AS total, pairs[$skip..($skip + $limit)] AS pairs
