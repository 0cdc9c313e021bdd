package ingest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
)

// ListenUnixgram binds a Unix datagram socket at path with the given mode
// and starts folding what arrives. A stale socket file (no one listening) is
// replaced; a live one or a non-socket file is an error. The parent
// directory is created (0755) if missing.
func ListenUnixgram(path string, mode os.FileMode, o Options) (*Listener, error) {
	fail := func(err error, fix string) (*Listener, error) {
		return nil, fmt.Errorf("listen.unixgram %q: %w; %s", path, err, fix)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fail(err, "create the directory or set listen.unixgram to a writable path (\"\" disables)")
	}
	if c, err := net.Dial("unixgram", path); err == nil {
		c.Close()
		return fail(fmt.Errorf("another process is listening"), "stop it or choose another path")
	}
	if err := removeIfSocket(path); err != nil {
		return fail(err, "remove it or choose another path")
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
	oob := make([]byte, 0)
	l := &Listener{
		conn: conn,
		read: func(b []byte) (int, bool, error) {
			n, _, flags, _, err := conn.ReadMsgUnix(b, oob)
			return n, flags&syscall.MSG_TRUNC != 0, err
		},
		proc:    processor{folder: o.Folder, stats: o.Stats, drops: o.Drops},
		addr:    path,
		cleanup: func() { os.Remove(path) },
	}
	l.readBuffer = setReadBuffer(conn, o.ReadBuffer, "unixgram "+path, o.Log)
	l.start()
	return l, nil
}
