// Package systemd owns cwagentd's systemd unit and its installation. The unit
// is one file, cwagentd.service beside this package: the .deb and .rpm ship it
// as is, and "cwagentd service install" writes the same text through
// kardianos/service, whose SystemdScript is that file with the binary path of
// ExecStart= replaced by {{Path}}.
//
// It manages systemd on Linux only. It never starts the service on install,
// never overwrites a different unit unless told to (--force), and never
// overwrites or removes a config file.
package systemd
