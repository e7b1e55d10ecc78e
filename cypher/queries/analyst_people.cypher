// returns: id, known_to
// Every person known to a source the viewer's role sees or counts, with which of
// those sources know them. For aggregate figures only: never shown per person.
MATCH (p:Person)
WITH p.id AS id, [s IN p.sources WHERE s IN $sources OR s IN $count_sources] AS known_to
WHERE size(known_to) > 0
RETURN id, known_to
