// returns: agencies, people
// How many people are known to how many of the sources the viewer's role sees or
// counts (people known to none of them left out). Counts only.
MATCH (p:Person)
WITH size([s IN p.sources WHERE s IN $sources OR s IN $count_sources]) AS agencies
WHERE agencies > 0
RETURN agencies, count(*) AS people
