// Rows the plan knows are new (no Person with this id in the graph): CREATE, not
// MERGE, with every property in the CREATE (on the local server, a SET after it
// writes each record a second time). Sets the same properties as
// load/persons.cypher (a unit test compares).
UNWIND $rows AS r
CREATE (p:Person {id: r.id, h: r.h, given_name: r.given_name, family_name: r.family_name,
    given_key: r.given_key, family_key: r.family_key,
    given_phonetic: r.given_phonetic, family_phonetic: r.family_phonetic,
    other_family_keys: r.other_family_keys, first_other_family_key: r.first_other_family_key,
    other_family_phonetics: r.other_family_phonetics,
    dob: r.dob, sex: r.sex, nhs_number: r.nhs_number, upn: r.upn, sources: r.sources})
