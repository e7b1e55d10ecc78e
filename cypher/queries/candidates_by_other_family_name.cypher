// returns: id
// People another source knows by a family name starting with, or sounding like, the
// one word searched for (a name before marriage; a misspelt or swapped record). Lists
// have no index: the range on `first_other_family_key` (set only for people with other
// family names) reads just those people. For one-word searches; two-word searches find
// them through the given name. Candidates only: the caller scores them on the names of
// the sources the viewer may see.
MATCH (p:Person)
WHERE p.first_other_family_key >= '' AND any(s IN p.sources WHERE s IN $sources)
  AND (any(k IN p.other_family_keys WHERE k STARTS WITH $family)
       OR ($family_phonetic <> '' AND $family_phonetic IN p.other_family_phonetics))
RETURN p.id AS id
LIMIT $limit
