// returns: person_id, involvement {id, kind, status, start_date, end_date, source, end_reason, detail}, service, professional {name, role, team, email, phone}, organisation
// Who is involved with each of a list of people, as far as the viewer's policy allows:
// restricted fields only where granted and the source is visible in full.
UNWIND $person_ids AS person_id
MATCH (:Person {id: person_id})-[:HAS]->(i:Involvement)-[:WITH]->(s:Service)
WHERE i.source IN $sources AND ($all_kinds OR i.kind IN $kinds)
OPTIONAL MATCH (i)-[:LEAD]->(pr:Professional)
OPTIONAL MATCH (pr)-[:WORKS_FOR]->(o:Organisation)
RETURN person_id,
       i {.id, .kind, .status, .start_date, .end_date, .source,
          end_reason: CASE WHEN i.source IN $full_sources AND 'involvement.end_reason' IN $fields
                           THEN i.end_reason END,
          detail: CASE WHEN i.source IN $full_sources AND 'involvement.detail' IN $fields
                       THEN i.detail END} AS involvement,
       s.name AS service, pr {.name, .role, .team, .email, .phone} AS professional,
       o.name AS organisation
ORDER BY person_id, i.status DESC, i.start_date DESC
