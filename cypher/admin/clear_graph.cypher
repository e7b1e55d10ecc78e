// Empties the database. Used by the test suite only, on its own test database.
MATCH (n) DETACH DELETE n
