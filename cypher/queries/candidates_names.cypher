// returns: id, records, postcodes
// What the sources the viewer may see hold for each candidate of a search, to filter
// and score them on (the caller shows only the best): each record as a list
// [id, source, given_name, family_name, other_given_names, dob, nhs_number, upn],
// identifiers only when granted, and the postcodes of the addresses they hold.
// Lists, not maps: a search may score a thousand people.
UNWIND $person_ids AS person_id
MATCH (p:Person {id: person_id})
RETURN p.id AS id,
       [(p)<-[:DESCRIBES]-(sr:SourceRecord) WHERE sr.source IN $sources |
          [sr.id, sr.source, sr.given_name, sr.family_name, sr.other_given_names, sr.dob,
           CASE WHEN 'person.nhs_number' IN $fields THEN sr.nhs_number END,
           CASE WHEN 'person.upn' IN $fields THEN sr.upn END]] AS records,
       [(p)-[l:LIVES_AT]->(a:Address) WHERE l.source IN $sources | a.postcode] AS postcodes
