// returns: exists
// Whether a person id is in the graph at all, whatever the viewer may see. Used only
// to tell the audit a refused view (the person exists but is outside the viewer's
// policy: an alert) from a wrong id; the viewer gets the same "not found" page for both.
OPTIONAL MATCH (p:Person {id: $person_id})
RETURN p IS NOT NULL AS exists
