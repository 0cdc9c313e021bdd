package systemd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kardianos/service"
)

// Options is what "cwagentd service install" asks for.
type Options struct {
	Bin        string // the binary ExecStart= runs; must pass CheckPath
	Force      bool   // replace a different unit at UnitPath
	ConfigPath string // written with Config if absent, else kept as is
	Config     []byte
}

// Install writes the unit for o.Bin to UnitPath through kardianos (which runs
// systemctl enable and daemon-reload) and the config file if it is absent,
// printing each step to out and warnings to warn. An identical unit is left
// alone; a different one is an error unless o.Force. It does not start the
// service.
func Install(o Options, out, warn io.Writer) error {
	if err := needRoot("write " + unitPath); err != nil {
		return err
	}
	want, err := render(o.Bin)
	if err != nil {
		return err
	}
	if err := checkReachable(o.Bin); err != nil {
		return err
	}
	warnBinary(o.Bin, warn)
	svc, err := newService(o.Bin)
	if err != nil {
		return err
	}
	next, err := installUnit(svc, want, o, out)
	if err != nil {
		return err
	}
	if err := writeConfig(o.ConfigPath, o.Config, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "next: %s   (logs: journalctl -u %s -f)\n", next, Name)
	return nil
}

// installUnit makes UnitPath hold want and returns the command that starts
// the service on it.
func installUnit(svc service.Service, want string, o Options, out io.Writer) (next string, err error) {
	have, err := os.ReadFile(unitPath)
	switch {
	case err == nil && string(have) == want:
		fmt.Fprintf(out, "unit %s unchanged\n", unitPath)
		return "systemctl start " + Name, nil
	case err == nil && !o.Force:
		return "", fmt.Errorf("%s exists and differs from the unit for %s: rerun with --force to replace it (keep local changes in \"systemctl edit %s\" instead)", unitPath, o.Bin, Name)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("reading the installed unit: %w", err)
	}
	next = "systemctl start " + Name
	if err == nil { // --force: kardianos refuses to write over a unit
		if err := svc.Uninstall(); err != nil {
			return "", fmt.Errorf("removing the old %s: %w; run \"systemctl disable %s.service\" to see why", unitPath, err, Name)
		}
		fmt.Fprintf(out, "removed the old %s (--force): systemctl disable %s.service, daemon-reload\n", unitPath, Name)
		next = "systemctl restart " + Name
	}
	if err := svc.Install(); err != nil {
		return "", fmt.Errorf("installing %s: %w; run \"systemctl enable %s.service && systemctl daemon-reload\" to see why, then rerun with --force", unitPath, err, Name)
	}
	fmt.Fprintf(out, "wrote %s (ExecStart=%s ...)\nsystemctl enable %s.service\nsystemctl daemon-reload\n", unitPath, o.Bin, Name)
	for _, p := range packagedUnits {
		if _, err := os.Stat(p); err == nil {
			fmt.Fprintf(out, "note: %s overrides the packaged %s; \"cwagentd service uninstall\" goes back to it\n", unitPath, p)
			break // on merged /usr both paths are the one file
		}
	}
	return next, nil
}

// packagedUnits are where the .deb/.rpm put the unit (/lib without merged /usr).
var packagedUnits = []string{"/usr/lib/systemd/system/" + Name + ".service", "/lib/systemd/system/" + Name + ".service"}

// writeConfig creates path with data unless it exists: a user's config is
// never overwritten.
func writeConfig(path string, data []byte, out io.Writer) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating the config directory: %w", err)
	}
	// 0644: the service reads it as the unprivileged user cwagentd.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		fmt.Fprintf(out, "kept the existing config %s\n", path)
		return nil
	}
	if err != nil {
		return fmt.Errorf("writing the config: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("writing the config %s: %w", path, err)
	}
	fmt.Fprintf(out, "wrote config %s\n", path)
	return nil
}

// hidden lists the directories the unit's sandbox hides from the service: a
// binary there fails to start (status=203/EXEC).
var hidden = []struct{ dir, by string }{
	{"/home", "ProtectHome=yes"},
	{"/root", "ProtectHome=yes"},
	{"/run/user", "ProtectHome=yes"},
	{"/tmp", "PrivateTmp=yes"},
	{"/var/tmp", "PrivateTmp=yes"},
}

// checkReachable refuses a binary, or a symlink to one, that the service
// could not see.
func checkReachable(bin string) error {
	paths := []string{bin}
	if real, err := filepath.EvalSymlinks(bin); err == nil && real != bin {
		paths = append(paths, real)
	}
	for _, p := range paths {
		for _, h := range hidden {
			if strings.HasPrefix(p, h.dir+"/") {
				return fmt.Errorf("%s is under %s, which the unit hides from the service (%s): copy the binary to /usr/local/bin/cwagentd and run \"sudo /usr/local/bin/cwagentd service install\"", p, h.dir, h.by)
			}
		}
	}
	return nil
}

// warnBinary warns about a binary the service could not run yet; the unit
// is still written (the binary may be copied in afterwards).
func warnBinary(bin string, warn io.Writer) {
	fi, err := os.Stat(bin)
	switch {
	case err != nil:
		fmt.Fprintf(warn, "warning: %v: the service cannot start until the binary is there\n", err)
	case !fi.Mode().IsRegular() || fi.Mode().Perm()&0o001 == 0:
		fmt.Fprintf(warn, "warning: %s is not a file others may execute, and the service runs as the unprivileged user %s: chmod 0755 %s\n", bin, Name, bin)
	}
}

func needRoot(what string) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("it takes root to %s: run it with sudo", what)
	}
	return nil
}
