package ingest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
)

// ListenUnixgram binds a Unix datagram socket at path with the given mode
// and starts folding what arrives, with Options.Readers goroutines sharing
// the socket. A stale socket file (no one listening) is replaced; a live
// one or a non-socket file is an error. The parent directory is created
// (0755) if missing.
//
// A Unix datagram socket never drops for want of room: a blocking sender
// waits, a non-blocking one gets EAGAIN. Stats.KernelDrops stays 0.
func ListenUnixgram(path string, mode os.FileMode, o Options) (*Listener, error) {
	fail := func(err error, fix string) (*Listener, error) {
		return nil, fmt.Errorf("listen.unixgram %q: %w; %s", path, err, fix)
	}
	if err := prepareSocketPath(path, "unixgram"); err != nil {
		return fail(err, "stop it, remove it or choose another path (\"\" disables)")
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return fail(err, "set listen.unixgram to a writable path (\"\" disables)")
	}
	if err := os.Chmod(path, mode); err != nil {
		conn.Close()
		os.Remove(path)
		return fail(err, "check listen.unixgram_mode")
	}
	l := &Listener{
		socks:   []*socket{{conn: conn, stats: o.Stats}},
		addr:    path,
		cleanup: func() { os.Remove(path) },
	}
	l.readBuffer = setReadBuffer(conn, o.ReadBuffer, "unixgram "+path, o.Log)
	if err := l.start(o, false); err != nil {
		conn.Close()
		os.Remove(path)
		return fail(err, "report a bug")
	}
	return l, nil
}

// prepareSocketPath makes path bindable for a Unix socket of the given
// network ("unix" or "unixgram"): its directory exists, and a stale socket
// file left by a dead process is removed. A live socket or another kind of
// file is an error.
func prepareSocketPath(path, network string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	c, err := net.Dial(network, path)
	switch {
	case err == nil:
		c.Close()
		return fmt.Errorf("another process is listening")
	case errors.Is(err, os.ErrNotExist):
		return nil
	case !errors.Is(err, syscall.ECONNREFUSED):
		// A socket of the other type (EPROTOTYPE: e.g. listen.unix and
		// listen.unixgram on one path), or one we may not reach (EACCES),
		// is not ours to delete: only a refused connection proves it stale.
		return fmt.Errorf("a socket we cannot prove stale is there (%w)", err)
	}
	return removeIfSocket(path)
}
