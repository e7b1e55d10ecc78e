// Rows the plan knows are new (no Address with this id in the graph): CREATE, not
// MERGE, with every property in the CREATE. Sets the same properties as
// load/addresses.cypher (a unit test compares).
UNWIND $rows AS r
CREATE (a:Address {id: r.id, h: r.h, line1: r.line1, line2: r.line2, town: r.town,
    postcode: r.postcode, uprn: r.uprn})
