package ingest

import (
	"fmt"
	"log/slog"
	"syscall"
)

// setReadBuffer asks the kernel for a receive buffer of n bytes and logs what
// it granted. SO_RCVBUFFORCE goes past net.core.rmem_max when the agent may
// (root with CAP_NET_ADMIN); otherwise SO_RCVBUF is capped by it. Linux
// reports double the size asked (it counts its bookkeeping), so the granted
// size is half of what it reports.
func setReadBuffer(c datagramConn, n int, name string, log *slog.Logger) int {
	if n <= 0 {
		return 0
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return 0
	}
	var granted int
	_ = rc.Control(func(fd uintptr) {
		if syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, n) != nil {
			_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
		}
		if v, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF); err == nil {
			granted = v / 2
		}
	})
	if log == nil {
		return granted
	}
	if granted < n {
		log.Warn(fmt.Sprintf("the kernel granted a smaller receive buffer than listen.read_buffer asks; bursts may be dropped by the kernel. Raise the cap (as root): sysctl -w net.core.rmem_max=%d", n),
			"socket", name, "asked", n, "granted", granted)
	} else {
		log.Info("receive buffer set", "socket", name, "bytes", granted)
	}
	return granted
}
