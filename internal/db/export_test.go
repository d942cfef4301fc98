package db

// WritersWaiting is how many callers wait for the SQLite writer.
func WritersWaiting(d *DB) int {
	d.wq.mu.Lock()
	defer d.wq.mu.Unlock()
	return len(d.wq.q)
}

// CachedStatements is how many statements the SQLite writer and read pool
// keep prepared.
func CachedStatements(d *DB) (writer, reader int) {
	if d.wstmts == nil {
		return 0, 0
	}
	d.wstmts.mu.RLock()
	writer = len(d.wstmts.m)
	d.wstmts.mu.RUnlock()
	d.rstmts.mu.RLock()
	reader = len(d.rstmts.m)
	d.rstmts.mu.RUnlock()
	return writer, reader
}
