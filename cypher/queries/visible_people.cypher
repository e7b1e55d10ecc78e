// returns: id
// The one definition of who a viewer may see: known to a source visible to the role
// and, for organisation-scoped roles, a current pupil of the viewer's organisation
// or a family member of one. Every person-level page and search goes through it.
UNWIND $person_ids AS person_id
MATCH (p:Person {id: person_id})
WHERE any(s IN p.sources WHERE s IN $sources)
  AND ($scope IS NULL
    OR EXISTS { MATCH (p)-[:HAS]->(:Involvement {kind: 'School pupil', status: 'current'})-[:WITH]->(:Service {name: $scope_organisation}) }
    OR EXISTS { MATCH (p)-[r]-(:Person)-[:HAS]->(:Involvement {kind: 'School pupil', status: 'current'})-[:WITH]->(:Service {name: $scope_organisation}) WHERE type(r) IN $family_types })
RETURN p.id AS id
