// Package packaging owns what the packages install besides the binary and
// the unit: the default configuration file, embedded here so that
// "cwagentd service install" writes the same file the .deb and .rpm ship.
// The nfpm config, the container image and the ECS task definitions live
// beside it.
package packaging

import _ "embed"

// DefaultConfig is /etc/cwagentd/cwagentd.yaml as packaged.
//
//go:embed cwagentd.yaml
var DefaultConfig []byte

// ConfigPath is where the packages and "cwagentd service install" put
// DefaultConfig.
const ConfigPath = "/etc/cwagentd/cwagentd.yaml"
