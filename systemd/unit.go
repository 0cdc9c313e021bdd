package systemd

import (
	_ "embed"
	"fmt"
	"path/filepath"
	"strings"
)

// Unit is cwagentd.service as packaged.
//
//go:embed cwagentd.service
var Unit string

const (
	// Name is the service name; the unit is Name + ".service".
	Name = "cwagentd"
	// PackagedBinary is the binary Unit's ExecStart= runs.
	PackagedBinary = "/usr/bin/cwagentd"
	// UnitPath is where kardianos/service writes a system unit (hardcoded
	// there); it overrides a packaged /usr/lib/systemd/system/cwagentd.service.
	UnitPath = "/etc/systemd/system/" + Name + ".service"

	execStart = "ExecStart=" + PackagedBinary + " "
)

// Script is the kardianos SystemdScript: Unit with the ExecStart= binary as
// {{Path}}, its only template action, so the render is Unit with one path
// swapped (Render).
func Script() string {
	return strings.Replace(Unit, execStart, "ExecStart={{Path}} ", 1)
}

// Render returns the unit that runs bin: what kardianos renders from Script
// for Path=bin, and Unit itself for PackagedBinary. It refuses a path that
// the unit would need escaped (CheckPath).
func Render(bin string) (string, error) {
	if err := CheckPath(bin); err != nil {
		return "", err
	}
	return strings.Replace(Unit, execStart, "ExecStart="+bin+" ", 1), nil
}

// CheckPath accepts an absolute, clean path made of letters, digits and
// "/._+-": anything else (a space, %, $, a quote, a backslash) means
// something to systemd in ExecStart= and would need escaping, which the
// template does not do.
func CheckPath(bin string) error {
	if !filepath.IsAbs(bin) || filepath.Clean(bin) != bin {
		return fmt.Errorf("binary path %q must be absolute and clean: pass --bin /usr/local/bin/cwagentd (for example)", bin)
	}
	for _, r := range bin {
		if !plain(r) {
			return fmt.Errorf("binary path %q has %q, which a unit file would need escaped: move the binary to a plain path such as /usr/local/bin/cwagentd and install from there (or pass --bin)", bin, r)
		}
	}
	return nil
}

func plain(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._+-", r)
}
