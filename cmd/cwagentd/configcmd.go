package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/cwagentd/cwagentd/config"
)

// loadConfig parses the verb's flags and loads the config. It returns the
// exit code to use when it fails (2: bad usage, 1: bad config).
func loadConfig(name string, args []string, stderr io.Writer) (*config.Config, int) {
	fs := pflag.NewFlagSet("cwagentd "+name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	config.Flags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil, 0
		}
		fmt.Fprintf(stderr, "cwagentd %s: %v; run \"cwagentd %s --help\" for the flags\n", name, err, name)
		return nil, 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "cwagentd %s: unexpected argument %q; flags take the form --key=value\n", name, fs.Arg(0))
		return nil, 2
	}
	cfg, err := config.Load(fs, os.Environ())
	if err != nil {
		fmt.Fprintf(stderr, "cwagentd: the configuration is invalid:\n%v\n", err)
		return nil, 1
	}
	return cfg, 0
}

func configCheck(args []string, stdout, stderr io.Writer) int {
	cfg, code := loadConfig("config check", args, stderr)
	if cfg == nil {
		return code
	}
	fmt.Fprint(stdout, cfg.Render())
	return 0
}
