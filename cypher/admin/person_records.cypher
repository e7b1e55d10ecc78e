// returns: id, records
// Every record of one person as its source holds it, with no policy applied: only for
// tests that check pages and searches show a role nothing its sources do not hold.
MATCH (p:Person {id: $person_id})
RETURN p.id AS id,
       [(p)<-[:DESCRIBES]-(sr:SourceRecord) |
          sr {.id, .source, .given_name, .family_name, .other_given_names, .dob, .sex}] AS records
