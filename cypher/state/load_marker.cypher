// returns: digest
// The digest of the load state the graph holds (see graph_etl/load.py): null while a
// load is writing, no row before the first load of this version.
MATCH (m:LoadState {id: 'graph'})
RETURN m.digest AS digest
