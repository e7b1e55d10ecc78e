// returns: person {id, held, sources, counted_sources}, records, addresses
// One person as the viewer's policy allows: restricted identifiers only when granted,
// sources visible only as a count listed apart. Names, date of birth and sex come
// only from the records of sources the viewer may see (`held`, each record's person
// fields; the caller chooses what to show from them), never from the person node,
// whose values are chosen across every source.
MATCH (p:Person {id: $person_id})
WHERE any(s IN p.sources WHERE s IN $sources)
WITH p, [(p)<-[d:DESCRIBES]-(sr:SourceRecord) WHERE sr.source IN $sources |
          sr {.id, .source, .given_name, .family_name, .dob, .sex, .deep_link,
              nhs_number: CASE WHEN 'person.nhs_number' IN $fields THEN sr.nhs_number END,
              upn: CASE WHEN 'person.upn' IN $fields THEN sr.upn END,
              probability: d.probability, reasons: d.reasons, explanation: d.explanation,
              matched_with: d.matched_with}] AS seen
RETURN p {.id,
          held: [r IN seen | {id: r.id, source: r.source, given_name: r.given_name,
                              family_name: r.family_name, dob: r.dob, sex: r.sex,
                              nhs_number: r.nhs_number, upn: r.upn}],
          sources: [s IN p.sources WHERE s IN $sources],
          counted_sources: [s IN p.sources WHERE s IN $count_sources]} AS person,
       // A record's key (a school's is the UPN) and link only where its source is
       // visible in full; otherwise the source stands in for the id.
       [r IN seen | {id: CASE WHEN r.source IN $full_sources THEN r.id ELSE r.source END,
                     deep_link: CASE WHEN r.source IN $full_sources THEN r.deep_link END,
                     source: r.source, given_name: r.given_name, family_name: r.family_name,
                     dob: r.dob, sex: r.sex, probability: r.probability, reasons: r.reasons,
                     explanation: r.explanation, matched_with: r.matched_with}] AS records,
       [(p)-[l:LIVES_AT]->(a:Address) WHERE l.source IN $sources |
          {id: a.id, line1: a.line1, line2: a.line2, town: a.town, postcode: a.postcode,
           source: l.source, from_date: l.from_date, to_date: l.to_date,
           reported_at: l.reported_at}] AS addresses
