package aggregate

// rawIndex maps raw keys (see rawKey) to entry positions in a table, built
// for the hot path at 100k series, where a lookup is a cache miss and the
// miss is most of a line's cost: an open-addressing table with linear
// probing over one flat array of 8-byte slots, a 32-bit fingerprint of the
// key and the entry's position. The entry keeps its full raw key, which the
// fold reads anyway, so a lookup touches one slot and the entry. At 100k
// series the slots take 1 MB, against 2.3 MB for a Go map of the same keys,
// whose control word and slot are two misses (BENCHMARKS.md).
//
// A table's entry is made by the first raw form of its series that period;
// other raw forms of the series (tags fixed up to the same dimensions: a
// denied tag's values, a repeated tag) go to a Go map beside it.
//
// Every entry's own raw key has a slot, so the table's entries count the
// slots in use.
type rawIndex struct {
	slots []uint64 // key>>32 << 32 | position+1; 0 is empty. A power of two long, or empty
	alt   map[uint64]int32
}

// rawIndexMin is the first size of a rawIndex; it doubles when 7/8 full.
const rawIndexMin = 64

// lookup returns the position of the entry of raw key k.
func (t *table) lookup(k uint64) (int32, bool) {
	x := &t.index
	if len(x.slots) > 0 {
		mask := uint64(len(x.slots) - 1)
		for i := k & mask; ; i = (i + 1) & mask {
			s := x.slots[i]
			if s == 0 {
				break
			}
			if (s^k)>>32 == 0 {
				if pos := int32(uint32(s)) - 1; t.entries[pos].raw == k {
					return pos, true
				}
			}
		}
	}
	if len(x.alt) > 0 {
		pos, ok := x.alt[k]
		return pos, ok
	}
	return 0, false
}

// remember records that raw key k's samples go to the entry at pos.
func (t *table) remember(k uint64, pos int32) {
	x := &t.index
	if t.entries[pos].raw != k {
		if x.alt == nil {
			x.alt = map[uint64]int32{}
		}
		x.alt[k] = pos
		return
	}
	if len(t.entries)*8 > len(x.slots)*7 {
		t.growIndex()
	}
	x.insert(k, pos)
}

func (x *rawIndex) insert(k uint64, pos int32) {
	mask := uint64(len(x.slots) - 1)
	i := k & mask
	for x.slots[i] != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = k&^0xffffffff | uint64(uint32(pos+1))
}

// growIndex doubles the slots; each entry's raw key places it again.
func (t *table) growIndex() {
	x := &t.index
	old := x.slots
	x.slots = make([]uint64, max(rawIndexMin, 2*len(old)))
	for _, s := range old {
		if s != 0 {
			pos := int32(uint32(s)) - 1
			x.insert(t.entries[pos].raw, pos)
		}
	}
}
