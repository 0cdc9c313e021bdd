package systemd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"strings"
)

// Uninstall stops the service, then disables and removes the unit at
// UnitPath (kardianos runs systemctl disable and daemon-reload). It keeps
// configPath, and a packaged unit elsewhere is not its business.
func Uninstall(configPath string, out, warn io.Writer) error {
	if err := needRoot("remove " + unitPath); err != nil {
		return err
	}
	if _, err := os.Stat(unitPath); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(out, "%s not found: nothing to uninstall (a unit from the .deb/.rpm goes with the package)\n", unitPath)
		return nil
	}
	svc, err := newService("")
	if err != nil {
		return err
	}
	if err := svc.Stop(); err != nil {
		fmt.Fprintf(warn, "warning: systemctl stop %s.service: %v; removing the unit anyway\n", Name, err)
	} else {
		fmt.Fprintf(out, "systemctl stop %s.service\n", Name)
	}
	if err := svc.Uninstall(); err != nil {
		return fmt.Errorf("removing %s: %w; run \"systemctl disable %s.service\" to see why", unitPath, err, Name)
	}
	fmt.Fprintf(out, "systemctl disable %s.service\nremoved %s\nsystemctl daemon-reload\n", Name, unitPath)
	fmt.Fprintf(out, "kept the config %s (delete it yourself if you no longer need it)\n", configPath)
	return nil
}

// Control runs systemctl start, stop or (any other action) restart on the
// service.
func Control(action string, out io.Writer) error {
	if err := needRoot(action + " " + Name + ".service"); err != nil {
		return err
	}
	svc, err := newService("")
	if err != nil {
		return err
	}
	var do func() error
	switch action {
	case "start":
		do = svc.Start
	case "stop":
		do = svc.Stop
	default:
		do = svc.Restart
	}
	if err := do(); err != nil {
		return fmt.Errorf("systemctl %s %s.service: %w; see \"systemctl status %s\" and \"journalctl -u %s -e\"", action, Name, err, Name, Name)
	}
	fmt.Fprintf(out, "systemctl %s %s.service: done (logs: journalctl -u %s -f)\n", action, Name, Name)
	return nil
}

// Status reports the service's state, from systemctl show: "not
// installed", running (active or reloading), starting (activating, which
// includes waiting to restart after a crash), stopping, failed or stopped.
func Status() (string, error) {
	out, err := exec.Command("systemctl", "show", "--property=LoadState,ActiveState", Name+".service").Output()
	if err != nil {
		return "", fmt.Errorf("systemctl show %s.service: %w; is systemd running?", Name, err)
	}
	return stateOf(string(out)), nil
}

// stateOf reads the LoadState and ActiveState lines of systemctl show.
func stateOf(show string) string {
	props := map[string]string{}
	for _, line := range strings.Split(show, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
			props[k] = v
		}
	}
	if props["LoadState"] == "not-found" || props["LoadState"] == "" {
		return "not installed"
	}
	switch props["ActiveState"] {
	case "active", "reloading":
		return "running"
	case "activating":
		return "starting"
	case "deactivating":
		return "stopping"
	case "failed":
		return "failed"
	default:
		return "stopped"
	}
}
