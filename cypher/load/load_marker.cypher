// Records which load state the graph holds ($digest), or that a load is writing
// (null): a refresh trusts its saved copy of the keys and hashes only when it matches.
MERGE (m:LoadState {id: 'graph'})
SET m.digest = $digest
