// returns: id, title, owner, refresh, extracted_at, loaded_at
MATCH (s:Source)
WHERE s.id IN $sources OR s.id IN $count_sources
RETURN s.id AS id, s.title AS title, s.owner AS owner, s.refresh AS refresh,
       s.extracted_at AS extracted_at, s.loaded_at AS loaded_at
ORDER BY s.id
