// Source records held live whose own values changed, written while matching runs
// (`graph_etl.record_nodes`): the node alone, its `h` the hash of those values (`rh`),
// as load/source_records.cypher writes it (a unit test compares). Their DESCRIBES
// links are left to the load, which finds the node's half as written here.
UNWIND $rows AS r
MATCH (sr:SourceRecord {id: r.id})
SET sr.source = r.source, sr.deep_link = r.deep_link, sr.h = r.rh, sr.lh = null,
    sr.given_name = r.props.given_name, sr.family_name = r.props.family_name, sr.dob = r.props.dob,
    sr.sex = r.props.sex, sr.nhs_number = r.props.nhs_number, sr.upn = r.props.upn,
    sr.other_given_names = r.props.other_given_names, sr.line1 = r.props.line1,
    sr.postcode = r.props.postcode, sr.status = null, sr.retired_at = null
