UNWIND $rows AS r
MERGE (a:Address {id: r.id})
SET a.h = r.h, a.line1 = r.line1, a.line2 = r.line2, a.town = r.town, a.postcode = r.postcode,
    a.uprn = r.uprn
