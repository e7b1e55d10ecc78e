// returns: id, given_name, family_name, dob, sex, postcode, sources
// Name search on standardised keys; only people some visible source knows, and for
// organisation-scoped roles only their own pupils and those pupils' families.
MATCH (p:Person)
WHERE any(s IN p.sources WHERE s IN $sources)
  AND (
    ($given = '' AND (p.family_key STARTS WITH $family OR p.given_key STARTS WITH $family))
    OR ($given <> '' AND p.given_key STARTS WITH $given AND p.family_key STARTS WITH $family)
  )
  AND ($scope IS NULL
    OR EXISTS { MATCH (p)-[:HAS]->(:Involvement {kind: 'School pupil', status: 'current'})-[:WITH]->(:Service {name: $scope_organisation}) }
    OR EXISTS { MATCH (p)-[r]-(:Person)-[:HAS]->(:Involvement {kind: 'School pupil', status: 'current'})-[:WITH]->(:Service {name: $scope_organisation}) WHERE type(r) IN $family_types })
OPTIONAL MATCH (p)-[l:LIVES_AT]->(a:Address)
WHERE l.source IN $sources AND l.to_date IS NULL
WITH p, a, l
ORDER BY l.reported_at DESC, l.from_date DESC
WITH p, collect(a.postcode)[0] AS postcode
RETURN p.id AS id, p.given_name AS given_name, p.family_name AS family_name, p.dob AS dob,
       p.sex AS sex, postcode, [s IN p.sources WHERE s IN $sources] AS sources
ORDER BY p.family_key, p.given_key, p.dob
LIMIT $limit
