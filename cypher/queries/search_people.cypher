// returns: id, given_name, family_name, dob, sex, postcode, sources
// Name search on standardised keys; only people some visible source knows (the caller
// then keeps those `visible_people` allows).
MATCH (p:Person)
WHERE any(s IN p.sources WHERE s IN $sources)
  AND (
    ($given = '' AND (p.family_key STARTS WITH $family OR p.given_key STARTS WITH $family))
    OR ($given <> '' AND p.given_key STARTS WITH $given AND p.family_key STARTS WITH $family)
  )
OPTIONAL MATCH (p)-[l:LIVES_AT]->(a:Address)
WHERE l.source IN $sources AND l.to_date IS NULL
WITH p, a, l
ORDER BY l.reported_at DESC, l.from_date DESC
WITH p, collect(a.postcode)[0] AS postcode
RETURN p.id AS id, p.given_name AS given_name, p.family_name AS family_name, p.dob AS dob,
       p.sex AS sex, postcode, [s IN p.sources WHERE s IN $sources] AS sources
ORDER BY p.family_key, p.given_key, p.dob
LIMIT $limit
