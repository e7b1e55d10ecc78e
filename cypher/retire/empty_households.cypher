// Households nobody belongs to any more.
MATCH (h:Household)
WHERE NOT (h)<-[:MEMBER_OF]-()
DETACH DELETE h
