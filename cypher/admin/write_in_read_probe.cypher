// A deliberate write, used by the test that proves reads refuse to write.
MERGE (n:Probe {id: 'probe'}) RETURN n.id AS id
