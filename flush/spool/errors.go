package spool

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

var (
	// ErrNotFound is returned by Read for an ID that is not live: never
	// appended, acked, or dropped.
	ErrNotFound = errors.New("no such live record")
	// ErrClosed is returned by every method called after Close.
	ErrClosed = errors.New("spool: closed")
	// ErrTooOld is wrapped by Append's error for a record older than MaxAge.
	ErrTooOld = errors.New("record older than MaxAge")
	// ErrTooLarge is wrapped by Append's error for a record that alone
	// exceeds MaxBytes or MaxRecordBytes.
	ErrTooLarge = errors.New("record too large")
)

// ioError names the file an operation failed on and what the operator can do.
// The errno stays reachable with errors.Is (syscall.ENOSPC, ...).
func ioError(op, path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("spool: %s %s: %w (%s)", op, path, err, fix(err))
}

// fix says what to do about a failed file operation.
func fix(err error) string {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return "the filesystem is full: free space on it or lower the spool's max bytes; the next append retries"
	case errors.Is(err, syscall.EDQUOT):
		return "the agent's user is over its disk quota: raise it or lower the spool's max bytes"
	case errors.Is(err, syscall.EROFS):
		return "the filesystem is read-only: remount it read-write or move the spool directory to a writable one"
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return fmt.Sprintf("make the directory and its files writable by uid %d, the agent's user", os.Getuid())
	case errors.Is(err, syscall.EIO):
		return "the disk reported an I/O error: check the kernel log (dmesg) and the disk"
	case errors.Is(err, syscall.EEXIST), errors.Is(err, syscall.EISDIR), errors.Is(err, syscall.ENOTDIR):
		return "something that is not a segment file is in the way: move it out of the spool directory"
	}
	return "check the disk and the directory's permissions"
}
