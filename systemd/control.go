package systemd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/kardianos/service"
)

// Uninstall stops the service, then disables and removes the unit at
// UnitPath (kardianos runs systemctl disable and daemon-reload). It keeps
// configPath, and a packaged unit elsewhere is not its business.
func Uninstall(configPath string, out, warn io.Writer) error {
	if err := needRoot("remove " + UnitPath); err != nil {
		return err
	}
	if _, err := os.Stat(UnitPath); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(out, "%s not found: nothing to uninstall (a unit from the .deb/.rpm goes with the package)\n", UnitPath)
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
		return fmt.Errorf("removing %s: %w; run \"systemctl disable %s.service\" to see why", UnitPath, err, Name)
	}
	fmt.Fprintf(out, "systemctl disable %s.service\nremoved %s\nsystemctl daemon-reload\n", Name, UnitPath)
	fmt.Fprintf(out, "kept the config %s (delete it yourself if you no longer need it)\n", configPath)
	return nil
}

// Control runs systemctl start, stop or restart on the service.
func Control(action string, out io.Writer) error {
	if err := needRoot(action + " " + Name + ".service"); err != nil {
		return err
	}
	svc, err := newService("")
	if err != nil {
		return err
	}
	do := map[string]func() error{"start": svc.Start, "stop": svc.Stop, "restart": svc.Restart}[action]
	if do == nil {
		return fmt.Errorf("unknown action %q: use start, stop or restart", action)
	}
	if err := do(); err != nil {
		return fmt.Errorf("systemctl %s %s.service: %w; see \"systemctl status %s\" and \"journalctl -u %s -e\"", action, Name, err, Name, Name)
	}
	fmt.Fprintf(out, "systemctl %s %s.service: done (logs: journalctl -u %s -f)\n", action, Name, Name)
	return nil
}

// Status reports the service's state as running, stopped, failed or
// "not installed", from systemctl is-active.
func Status() (string, error) {
	svc, err := newService("")
	if err != nil {
		return "", err
	}
	st, err := svc.Status()
	switch {
	case errors.Is(err, service.ErrNotInstalled):
		return "not installed", nil
	case err != nil && err.Error() == "service in failed state":
		return "failed", nil
	case err != nil:
		return "", fmt.Errorf("systemctl is-active %s.service: %w", Name, err)
	case st == service.StatusRunning:
		return "running", nil
	default:
		return "stopped", nil
	}
}
