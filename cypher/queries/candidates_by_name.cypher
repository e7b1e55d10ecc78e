// returns: id
// People whose family name (or, for one-word searches, given name) starts with the
// search word or sounds like it, or whose family name starts with the first word
// (names recorded the wrong way round); the caller ranks and filters them.
MATCH (p:Person)
WHERE any(s IN p.sources WHERE s IN $sources)
  AND (p.family_key STARTS WITH $family OR p.family_phonetic = $family_phonetic
       OR $family IN p.other_family_keys
       OR ($given = '' AND (p.given_key STARTS WITH $family OR p.given_phonetic = $family_phonetic))
       OR ($given <> '' AND p.family_key STARTS WITH $given))
RETURN p.id AS id
LIMIT $limit
