// returns: id
// People whose family name starts with the searched family-name word or sounds like
// it (same phonetic key; `$family_phonetic` is '' for words too short to sound out).
// Each branch is anchored on its own index. Candidates only: the caller scores them
// on the names of the sources the viewer may see, and drops the rest.
MATCH (p:Person)
WHERE p.family_key STARTS WITH $family AND any(s IN p.sources WHERE s IN $sources)
RETURN p.id AS id
LIMIT $limit
UNION
MATCH (p:Person)
WHERE $family_phonetic <> '' AND p.family_phonetic = $family_phonetic
  AND any(s IN p.sources WHERE s IN $sources)
RETURN p.id AS id
LIMIT $limit
