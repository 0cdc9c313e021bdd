package spool

import (
	"fmt"
	"os"
	"time"
)

// Defaults for the zero values of Options.
const (
	// DefaultMaxBytes bounds the live records when Options.MaxBytes is 0.
	DefaultMaxBytes = 1 << 30
	// DefaultMaxAge is CloudWatch's own limit: it rejects data older than 14 days.
	DefaultMaxAge = 14 * 24 * time.Hour
	// DefaultSegmentBytes is the size past which a new segment file is started.
	DefaultSegmentBytes = 4 << 20
)

// Options configure a Spool. Only Dir is required.
type Options struct {
	// Dir is the spool directory, created with mode 0700 if missing. One
	// agent at a time may use it.
	Dir string
	// MaxBytes bounds the bytes of live records (each record's frame: its
	// data plus 25 bytes). An Append past it drops the oldest live records,
	// counted "full"; a record that alone exceeds it is refused. 0 means
	// DefaultMaxBytes.
	MaxBytes int64
	// MaxAge drops records whose Time is older than Now()-MaxAge, counted
	// "too_old", at Open and at every Append. 0 means DefaultMaxAge.
	MaxAge time.Duration
	// SegmentBytes is the size past which writes go to a new segment file.
	// 0 means DefaultSegmentBytes.
	SegmentBytes int64
	// Now is the clock MaxAge is measured against. nil means time.Now.
	Now func() time.Time

	// openFile opens segment files for writing, syncDir makes changes to the
	// directory durable and remove deletes a segment file; tests inject
	// failing, faster or watching ones.
	openFile func(name string, flag int, perm os.FileMode) (file, error)
	syncDir  func(dir string) error
	remove   func(name string) error
}

// withDefaults fills the zero values and rejects the values that cannot work.
func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" {
		return o, fmt.Errorf("spool: Options.Dir is empty: set the spool directory (for example /var/lib/cwagentd/spool)")
	}
	if o.MaxBytes < 0 {
		return o, fmt.Errorf("spool: MaxBytes is %d: use a positive size, or 0 for the default %d", o.MaxBytes, DefaultMaxBytes)
	}
	if o.MaxAge < 0 {
		return o, fmt.Errorf("spool: MaxAge is %s: use a positive duration, or 0 for the default %s", o.MaxAge, DefaultMaxAge)
	}
	if o.SegmentBytes < 0 {
		return o, fmt.Errorf("spool: SegmentBytes is %d: use a positive size, or 0 for the default %d", o.SegmentBytes, DefaultSegmentBytes)
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.SegmentBytes == 0 {
		o.SegmentBytes = DefaultSegmentBytes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.openFile == nil {
		o.openFile = openOSFile
	}
	if o.syncDir == nil {
		o.syncDir = syncDir
	}
	if o.remove == nil {
		o.remove = os.Remove
	}
	return o, nil
}
