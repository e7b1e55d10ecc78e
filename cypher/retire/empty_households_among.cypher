// Of the households `$ids`, those nobody belongs to any more (a refresh's, instead of
// scanning every household: retire/empty_households).
UNWIND $ids AS id
MATCH (h:Household {id: id})
WHERE NOT (h)<-[:MEMBER_OF]-()
DETACH DELETE h
