// returns: person {id, given_name, family_name, other_names, dob, sex, nhs_number, upn, sources, counted_sources}, records, addresses
// One person as the viewer's policy allows: restricted identifiers only when granted,
// sources visible only as a count listed apart.
MATCH (p:Person {id: $person_id})
WHERE any(s IN p.sources WHERE s IN $sources)
RETURN p {.id, .given_name, .family_name, .other_names, .dob, .sex,
          nhs_number: CASE WHEN 'person.nhs_number' IN $fields THEN p.nhs_number END,
          upn: CASE WHEN 'person.upn' IN $fields THEN p.upn END,
          sources: [s IN p.sources WHERE s IN $sources],
          counted_sources: [s IN p.sources WHERE s IN $count_sources]} AS person,
       [(p)<-[d:DESCRIBES]-(sr:SourceRecord) WHERE sr.source IN $sources |
          sr {.id, .source, .given_name, .family_name, .dob, .sex, .deep_link,
              probability: d.probability, reasons: d.reasons, explanation: d.explanation,
              matched_with: d.matched_with}] AS records,
       [(p)-[l:LIVES_AT]->(a:Address) WHERE l.source IN $sources |
          {id: a.id, line1: a.line1, line2: a.line2, town: a.town, postcode: a.postcode,
           source: l.source, from_date: l.from_date, to_date: l.to_date,
           reported_at: l.reported_at}] AS addresses
