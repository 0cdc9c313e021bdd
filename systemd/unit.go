package systemd

import (
	_ "embed"
	"fmt"
	"path/filepath"
	"strings"
)

// unit is cwagentd.service as packaged.
//
//go:embed cwagentd.service
var unit string

const (
	// Name is the service name; the unit is Name + ".service".
	Name = "cwagentd"
	// packagedBinary is the binary unit's ExecStart= runs.
	packagedBinary = "/usr/bin/cwagentd"
	// unitPath is where kardianos/service writes a system unit (hardcoded
	// there); it overrides a packaged /usr/lib/systemd/system/cwagentd.service.
	unitPath = "/etc/systemd/system/" + Name + ".service"

	execStart = "ExecStart=" + packagedBinary + " "
)

// script is the kardianos SystemdScript: unit with the ExecStart= binary as
// {{Path}}, its only template action, so the render is unit with one path
// swapped (render).
func script() string {
	return strings.Replace(unit, execStart, "ExecStart={{Path}} ", 1)
}

// render returns the unit that runs bin: what kardianos renders from Script
// for Path=bin, and Unit itself for PackagedBinary. It refuses a path that
// the unit would need escaped (CheckPath).
func render(bin string) (string, error) {
	if err := checkPath(bin); err != nil {
		return "", err
	}
	return strings.Replace(unit, execStart, "ExecStart="+bin+" ", 1), nil
}

// checkPath accepts an absolute, clean path made of letters, digits and
// "/._+-": anything else (a space, %, $, a quote, a backslash) means
// something to systemd in ExecStart= and would need escaping, which the
// template does not do.
func checkPath(bin string) error {
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
