// returns: probability, explanation, guard, a {id, source, given_name, family_name, other_given_names, dob, sex, line1, postcode, nhs_number, upn}, b {...the same}, a_people [{id, given_name, family_name, sources}], b_people [...the same]
// One pair of the review queue, in either direction, when both records come from
// sources the viewer may see: each record as its source holds it (NHS number and UPN
// only when the role is granted them) and the person it belongs to now.
MATCH (a:SourceRecord {id: $record_a})-[m:POSSIBLE_MATCH]-(b:SourceRecord {id: $record_b})
WHERE a.source IN $sources AND b.source IN $sources
  AND a.status IS NULL AND b.status IS NULL
RETURN m.probability AS probability, m.explanation AS explanation, m.guard AS guard,
       a {.id, .source, .given_name, .family_name, .other_given_names, .dob, .sex, .line1,
          .postcode,
          nhs_number: CASE WHEN 'person.nhs_number' IN $fields THEN a.nhs_number END,
          upn: CASE WHEN 'person.upn' IN $fields THEN a.upn END} AS a,
       b {.id, .source, .given_name, .family_name, .other_given_names, .dob, .sex, .line1,
          .postcode,
          nhs_number: CASE WHEN 'person.nhs_number' IN $fields THEN b.nhs_number END,
          upn: CASE WHEN 'person.upn' IN $fields THEN b.upn END} AS b,
       [(a)-[:DESCRIBES]->(p:Person) | {id: p.id, given_name: p.given_name,
          family_name: p.family_name, sources: [s IN p.sources WHERE s IN $sources]}] AS a_people,
       [(b)-[:DESCRIBES]->(p:Person) | {id: p.id, given_name: p.given_name,
          family_name: p.family_name, sources: [s IN p.sources WHERE s IN $sources]}] AS b_people
LIMIT 1
