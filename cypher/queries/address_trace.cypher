// returns: address {id, line1, line2, town, postcode}, source, from_date, to_date, reported_at, residents
// Every address any visible source holds for one person, with who else is recorded
// there now (names come from people_summaries). Ordering (most recent first) is done
// by the caller.
MATCH (p:Person {id: $person_id})-[l:LIVES_AT]->(a:Address)
WHERE l.source IN $sources
RETURN a {.id, .line1, .line2, .town, .postcode} AS address, l.source AS source,
       l.from_date AS from_date, l.to_date AS to_date, l.reported_at AS reported_at,
       [(a)<-[o:LIVES_AT]-(other:Person)
          WHERE other.id <> p.id AND o.to_date IS NULL AND o.source IN $sources |
          {id: other.id, source: o.source}] AS residents
