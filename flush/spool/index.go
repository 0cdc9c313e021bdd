package spool

import (
	"cmp"
	"container/heap"
)

// entry locates one live record; the data stays on disk. About 100 bytes
// with the map and the heap, so a 1 GiB spool of 100 KiB requests costs about
// 1 MiB of memory (and one of 1 KiB requests about 100 MiB).
type entry struct {
	id    ID
	nanos int64    // the record's Time
	seg   *segment // where its current copy is
	off   int64    // of the frame in seg
	size  int64    // of the frame
	hidx  int      // position in Spool.oldest; -1 once popped
}

// compareEntries orders records oldest Time first, ties by ID.
func compareEntries(a, b *entry) int {
	return cmp.Or(cmp.Compare(a.nanos, b.nanos), cmp.Compare(a.id, b.id))
}

// entryHeap orders live records oldest Time first (ties by ID): the order of
// replay and of drops. It is owned by the writer.
type entryHeap []*entry

func (h entryHeap) Len() int           { return len(h) }
func (h entryHeap) Less(i, j int) bool { return compareEntries(h[i], h[j]) < 0 }
func (h entryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].hidx, h[j].hidx = i, j
}
func (h *entryHeap) Push(x any) {
	e := x.(*entry)
	e.hidx = len(*h)
	*h = append(*h, e)
}
func (h *entryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.hidx = -1
	return e
}

// remove takes e out of the heap if it is still in it.
func (h *entryHeap) remove(e *entry) {
	if e.hidx >= 0 {
		heap.Remove(h, e.hidx)
	}
}
