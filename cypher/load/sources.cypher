UNWIND $rows AS r
MERGE (s:Source {id: r.id})
SET s.h = r.h, s.title = r.title, s.owner = r.owner, s.refresh = r.refresh,
    s.lawful_basis = r.lawful_basis, s.legal_gateway = r.legal_gateway,
    s.sharing_agreement = r.sharing_agreement,
    s.extracted_at = coalesce(r.extracted_at, s.extracted_at),
    s.loaded_at = coalesce(r.loaded_at, s.loaded_at)
WITH s, r
MATCH (o:Organisation {id: r.organisation_id})
MERGE (s)-[:OWNED_BY]->(o)
