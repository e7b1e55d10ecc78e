// Rows the plan knows are new (no Address with this id in the graph): CREATE, not
// MERGE. Sets the same properties as load/addresses.cypher (a unit test compares).
UNWIND $rows AS r
CREATE (a:Address {id: r.id})
SET a.h = r.h, a.line1 = r.line1, a.line2 = r.line2, a.town = r.town, a.postcode = r.postcode,
    a.uprn = r.uprn
