package main

import "sync"

var countsMu sync.Mutex

// addFloat adds one accepted request's line count (a Sum of 1s) and counts
// the request. OnRequest may run concurrently.
func addFloat(received, requests *int64, sum float64) {
	countsMu.Lock()
	defer countsMu.Unlock()
	*received += int64(sum)
	*requests++
}

func loadCounts(received, requests *int64) (int64, int) {
	countsMu.Lock()
	defer countsMu.Unlock()
	return *received, int(*requests)
}
