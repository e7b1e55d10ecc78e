// Rows the plan knows are new (no SourceRecord with this id in the graph, retired or
// not): CREATE the record and its one DESCRIBES link, with every property in the
// CREATE. Same properties as load/source_records.cypher (a unit test compares).
UNWIND $rows AS r
MATCH (p:Person {id: r.person_id})
CREATE (sr:SourceRecord {id: r.id, source: r.source, deep_link: r.deep_link, h: r.rh,
    given_name: r.props.given_name, family_name: r.props.family_name, dob: r.props.dob,
    sex: r.props.sex, nhs_number: r.props.nhs_number, upn: r.props.upn,
    other_given_names: r.props.other_given_names, line1: r.props.line1,
    postcode: r.props.postcode})
    -[d:DESCRIBES {probability: r.probability, reasons: r.reasons,
                   explanation: r.explanation, matched_with: r.matched_with, lh: r.lh}]->(p)
