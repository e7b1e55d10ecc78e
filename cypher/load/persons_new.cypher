// Rows the plan knows are new (no Person with this id in the graph): CREATE, not
// MERGE. Sets the same properties as load/persons.cypher (a unit test compares).
UNWIND $rows AS r
CREATE (p:Person {id: r.id})
SET p.h = r.h, p.given_name = r.given_name, p.family_name = r.family_name,
    p.given_key = r.given_key, p.family_key = r.family_key,
    p.given_phonetic = r.given_phonetic, p.family_phonetic = r.family_phonetic,
    p.other_family_keys = r.other_family_keys, p.first_other_family_key = r.first_other_family_key,
    p.other_family_phonetics = r.other_family_phonetics,
    p.dob = r.dob, p.sex = r.sex, p.nhs_number = r.nhs_number, p.upn = r.upn,
    p.sources = r.sources
