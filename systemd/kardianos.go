package systemd

import (
	"fmt"
	"os/exec"
	"runtime"

	"github.com/kardianos/service"
)

// noop is the kardianos Interface: the daemon is "cwagentd run" with its own
// signal handling, never kardianos' Run, so Start and Stop have nothing to do.
type noop struct{}

func (noop) Start(service.Service) error { return nil }
func (noop) Stop(service.Service) error  { return nil }

// newService returns the kardianos systemd service whose unit runs bin. It
// takes linux-systemd from AvailableSystems and calls its New directly:
// kardianos picks a system by detection, which fails where systemctl exists
// but systemd is not PID 1 (a chroot, a container, an image build), and
// ChooseSystem would then leave no system at all.
func newService(bin string) (service.Service, error) {
	var sys service.System
	for _, s := range service.AvailableSystems() {
		if s.String() == "linux-systemd" {
			sys = s
		}
	}
	if sys == nil {
		return nil, fmt.Errorf("cwagentd service manages systemd units on Linux only, and this is %s: run \"cwagentd run\" under this system's service manager", runtime.GOOS)
	}
	if _, err := exec.LookPath("systemctl"); err != nil {
		return nil, fmt.Errorf("systemctl not found in PATH: cwagentd service manages systemd only; under another init system, have it run \"cwagentd run\"")
	}
	return sys.New(noop{}, &service.Config{
		Name:        Name,
		Description: "cwagentd StatsD to CloudWatch metrics agent",
		Executable:  bin,
		Option:      service.KeyValue{"SystemdScript": script()},
	})
}
