package spool

import (
	"os"

	"golang.org/x/sys/unix"
)

// file is what the spool needs of a segment open for writing. Tests put a
// failing one in its place to see the spool survive ENOSPC and EIO.
type file interface {
	WriteAt(p []byte, off int64) (int, error)
	Truncate(size int64) error
	// Sync makes what was written durable (fdatasync for real files).
	Sync() error
	Close() error
}

// osFile is a real segment file.
type osFile struct{ *os.File }

func openOSFile(name string, flag int, perm os.FileMode) (file, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

// Sync uses fdatasync: the data and the file size, not the timestamps, which
// a replay never needs.
func (f osFile) Sync() error {
	return fdatasync(f.File)
}

func fdatasync(f *os.File) error {
	c, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := c.Control(func(fd uintptr) {
		for {
			if serr = unix.Fdatasync(int(fd)); serr != unix.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	if serr != nil {
		return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: serr}
	}
	return nil
}

// syncDir makes the creation or removal of files in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
