// returns: id
// People whose given name starts with the searched given-name word, is one of its
// nickname forms (`$given_keys`: Bill for William, William for Bill) or sounds like
// it, and, unless `$family` is '', whose family name (or another family name a source
// holds) may be the searched family-name word: a prefix, the same sound, or close in
// length with the first two letters agreeing once (a typing slip). The caller also
// runs it with the words swapped (names recorded the wrong way round), scores the
// candidates on the names of the sources the viewer may see, and drops the rest.
MATCH (p:Person)
WHERE p.given_key STARTS WITH $given AND any(s IN p.sources WHERE s IN $sources)
  AND ($family = '' OR p.family_key STARTS WITH $family
    OR ($family_phonetic <> '' AND (p.family_phonetic = $family_phonetic
                                    OR $family_phonetic IN p.other_family_phonetics))
    OR any(k IN coalesce(p.other_family_keys, []) + [p.family_key] WHERE k IS NOT NULL AND
           abs(size(k) - size($family)) <= 2
           AND (left(k, 1) IN [left($family, 1), substring($family, 1, 1)]
                OR substring(k, 1, 1) IN [left($family, 1), substring($family, 1, 1)])))
RETURN p.id AS id
LIMIT $limit
UNION
MATCH (p:Person)
WHERE p.given_key IN $given_keys AND any(s IN p.sources WHERE s IN $sources)
  AND ($family = '' OR p.family_key STARTS WITH $family
    OR ($family_phonetic <> '' AND (p.family_phonetic = $family_phonetic
                                    OR $family_phonetic IN p.other_family_phonetics))
    OR any(k IN coalesce(p.other_family_keys, []) + [p.family_key] WHERE k IS NOT NULL AND
           abs(size(k) - size($family)) <= 2
           AND (left(k, 1) IN [left($family, 1), substring($family, 1, 1)]
                OR substring(k, 1, 1) IN [left($family, 1), substring($family, 1, 1)])))
RETURN p.id AS id
LIMIT $limit
UNION
MATCH (p:Person)
WHERE $given_phonetic <> '' AND p.given_phonetic = $given_phonetic
  AND any(s IN p.sources WHERE s IN $sources)
  AND ($family = '' OR p.family_key STARTS WITH $family
    OR ($family_phonetic <> '' AND (p.family_phonetic = $family_phonetic
                                    OR $family_phonetic IN p.other_family_phonetics))
    OR any(k IN coalesce(p.other_family_keys, []) + [p.family_key] WHERE k IS NOT NULL AND
           abs(size(k) - size($family)) <= 2
           AND (left(k, 1) IN [left($family, 1), substring($family, 1, 1)]
                OR substring(k, 1, 1) IN [left($family, 1), substring($family, 1, 1)])))
RETURN p.id AS id
LIMIT $limit
