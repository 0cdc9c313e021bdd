package ingest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
)

// bindSocketFile binds a Unix socket file at path for the config key named
// (listen.unixgram, listen.unix), of network "unixgram" or "unix", and gives it mode: the path is prepared
// (prepareSocketPath), listen binds, and on any failure nothing is left
// behind and the error names the key, the path and the fix.
func bindSocketFile[C io.Closer](key, network, path string, mode os.FileMode, listen func(*net.UnixAddr) (C, error)) (C, error) {
	var none C
	fail := func(err error, fix string) (C, error) {
		return none, fmt.Errorf("%s %q: %w; %s", key, path, err, fix)
	}
	if err := prepareSocketPath(path, network); err != nil {
		return fail(err, "stop it, remove it or choose another path (\"\" disables)")
	}
	c, err := listen(&net.UnixAddr{Name: path, Net: network})
	if err != nil {
		return fail(err, "set "+key+" to a writable path (\"\" disables)")
	}
	if err := os.Chmod(path, mode); err != nil {
		c.Close()
		os.Remove(path)
		return fail(err, "check listen.unixgram_mode")
	}
	return c, nil
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
