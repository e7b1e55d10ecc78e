// returns: id, records, postcode, postcodes, sources
// What a search result shows (and is filtered and scored on) for each of a list of
// people: the person fields of the records of sources the viewer may see (`records`;
// the caller chooses the name, date of birth and sex to show from them, never from
// the person node, whose values are chosen across every source), identifiers only
// when granted, and postcodes those sources hold, most recent first.
UNWIND $person_ids AS person_id
MATCH (p:Person {id: person_id})
OPTIONAL MATCH (p)-[l:LIVES_AT]->(a:Address)
WHERE l.source IN $sources
WITH p, a, l
ORDER BY l.to_date IS NULL DESC, l.reported_at DESC, l.from_date DESC
WITH p, collect(a.postcode) AS postcodes
RETURN p.id AS id,
       [(p)<-[:DESCRIBES]-(sr:SourceRecord) WHERE sr.source IN $sources |
          sr {.id, .source, .given_name, .family_name, .other_given_names, .dob, .sex,
              nhs_number: CASE WHEN 'person.nhs_number' IN $fields THEN sr.nhs_number END,
              upn: CASE WHEN 'person.upn' IN $fields THEN sr.upn END}] AS records,
       postcodes[0] AS postcode, postcodes,
       [s IN p.sources WHERE s IN $sources] AS sources
