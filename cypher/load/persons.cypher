UNWIND $rows AS r
MERGE (p:Person {id: r.id})
SET p.h = r.h, p.given_name = r.given_name, p.family_name = r.family_name,
    p.given_key = r.given_key, p.family_key = r.family_key, p.other_names = r.other_names,
    p.other_family_keys = r.other_family_keys,
    p.dob = r.dob, p.sex = r.sex, p.nhs_number = r.nhs_number, p.upn = r.upn,
    p.sources = r.sources
