package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/cwagentd/cwagentd/packaging"
	"github.com/cwagentd/cwagentd/systemd"
)

const serviceUsage = `Usage: cwagentd service install [--force] [--bin PATH] | uninstall | start | stop | restart | status
Manages the systemd unit /etc/systemd/system/cwagentd.service (Linux, systemd only).
`

// serviceCmd runs "cwagentd service VERB": install/uninstall/start/stop/
// restart exit 1 on failure; status exits 0 when running, else 3 (as
// systemctl is-active and LSB do).
func serviceCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, serviceUsage)
		return 2
	}
	verb, rest := args[0], args[1:]
	if verb == "install" {
		return serviceInstall(rest, stdout, stderr)
	}
	if len(rest) > 0 {
		fmt.Fprintf(stderr, "cwagentd service %s: unexpected argument %q\n", verb, rest[0])
		return 2
	}
	var err error
	switch verb {
	case "uninstall":
		err = systemd.Uninstall(packaging.ConfigPath, stdout, stderr)
	case "start", "stop", "restart":
		err = systemd.Control(verb, stdout)
	case "status":
		return serviceStatus(stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, serviceUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "cwagentd service: unknown sub-command %q\n%s", verb, serviceUsage)
		return 2
	}
	return exitOn(err, "service "+verb, stderr)
}

func serviceInstall(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("cwagentd service install", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	force := fs.Bool("force", false, "replace an installed unit that differs")
	bin := fs.String("bin", "", "the binary the unit runs (default: this executable, symlinks resolved)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "cwagentd service install: %v\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "cwagentd service install: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *bin == "" {
		self, err := executable()
		if err != nil {
			return exitOn(err, "service install", stderr)
		}
		*bin = self
	}
	err := systemd.Install(systemd.Options{
		Bin: *bin, Force: *force, ConfigPath: packaging.ConfigPath, Config: packaging.DefaultConfig,
	}, stdout, stderr)
	return exitOn(err, "service install", stderr)
}

func serviceStatus(stdout, stderr io.Writer) int {
	state, err := systemd.Status()
	if err != nil {
		return exitOn(err, "service status", stderr)
	}
	fmt.Fprintf(stdout, "%s.service: %s (details: systemctl status %s)\n", systemd.Name, state, systemd.Name)
	if state != "running" {
		return 3
	}
	return 0
}

// executable is this binary's absolute path with symlinks resolved: the file
// systemd would run, which is what the unit's sandbox checks must judge.
func executable() (string, error) {
	self, err := os.Executable()
	if err == nil {
		self, err = filepath.EvalSymlinks(self)
	}
	if err != nil {
		return "", fmt.Errorf("finding this executable: %w; pass --bin /usr/local/bin/cwagentd (its path)", err)
	}
	return self, nil
}

func exitOn(err error, what string, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "cwagentd %s: %v\n", what, err)
	return 1
}
