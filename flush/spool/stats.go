package spool

// Stats are a spool's counts. The drop counts cover this process's life.
type Stats struct {
	Records   int   // live records: appended, neither acked nor dropped
	Bytes     int64 // their frames on disk: what MaxBytes bounds
	Segments  int   // segment files
	DiskBytes int64 // bytes in the segment files, live or not

	DroppedFull   uint64 // live records dropped, oldest first, to stay within MaxBytes
	DroppedTooOld uint64 // live records dropped for being older than MaxAge
	Corrupt       uint64 // torn or corrupt byte ranges skipped (each may have held records)
	CorruptBytes  int64  // the bytes in those ranges

	Compactions uint64 // old segments whose live records were copied forward
	// TidyFailures counts the deletions of unneeded segment files, directory
	// syncs before them and compactions that failed. Writes go on and retry
	// them, but while they keep failing DiskBytes may grow past its bound
	// (about 2*MaxBytes + 3*SegmentBytes): the error is in the disk or the
	// directory's permissions.
	TidyFailures uint64
}

// Drop reasons, as the agent's telemetry labels them.
const (
	ReasonFull    = "full"
	ReasonTooOld  = "too_old"
	ReasonCorrupt = "corrupt"
)

// Drops returns the drop counts keyed by reason.
func (s Stats) Drops() map[string]uint64 {
	return map[string]uint64{ReasonFull: s.DroppedFull, ReasonTooOld: s.DroppedTooOld, ReasonCorrupt: s.Corrupt}
}
