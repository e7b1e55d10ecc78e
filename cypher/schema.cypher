// Applied at every start; every statement is idempotent (IF NOT EXISTS).
// Neo4j 5 syntax; no NODE KEY, NOT NULL or FULLTEXT (see docs/graph-model.md).
CREATE CONSTRAINT person_id IF NOT EXISTS FOR (n:Person) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT source_record_id IF NOT EXISTS FOR (n:SourceRecord) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT source_id IF NOT EXISTS FOR (n:Source) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT address_id IF NOT EXISTS FOR (n:Address) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT household_id IF NOT EXISTS FOR (n:Household) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT involvement_id IF NOT EXISTS FOR (n:Involvement) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT service_id IF NOT EXISTS FOR (n:Service) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT professional_id IF NOT EXISTS FOR (n:Professional) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT organisation_id IF NOT EXISTS FOR (n:Organisation) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT load_state_id IF NOT EXISTS FOR (n:LoadState) REQUIRE n.id IS UNIQUE;
CREATE INDEX person_family_key IF NOT EXISTS FOR (n:Person) ON (n.family_key);
CREATE INDEX person_given_key IF NOT EXISTS FOR (n:Person) ON (n.given_key);
CREATE INDEX person_family_phonetic IF NOT EXISTS FOR (n:Person) ON (n.family_phonetic);
CREATE INDEX person_given_phonetic IF NOT EXISTS FOR (n:Person) ON (n.given_phonetic);
CREATE INDEX person_first_other_family_key IF NOT EXISTS FOR (n:Person) ON (n.first_other_family_key);
CREATE INDEX person_dob IF NOT EXISTS FOR (n:Person) ON (n.dob);
CREATE INDEX person_nhs_number IF NOT EXISTS FOR (n:Person) ON (n.nhs_number);
CREATE INDEX person_upn IF NOT EXISTS FOR (n:Person) ON (n.upn);
CREATE INDEX source_record_dob IF NOT EXISTS FOR (n:SourceRecord) ON (n.dob);
CREATE INDEX address_postcode IF NOT EXISTS FOR (n:Address) ON (n.postcode);
