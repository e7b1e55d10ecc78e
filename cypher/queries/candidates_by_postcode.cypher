// returns: id
// People any visible source records at an address with this postcode (now or before).
MATCH (a:Address {postcode: $postcode})<-[l:LIVES_AT]-(p:Person)
WHERE l.source IN $sources
RETURN DISTINCT p.id AS id
LIMIT $limit
