package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/cwagentd/cwagentd/config"
)

// loadConfig parses the verb's flags (the config keys, plus what extra
// adds) and loads the config. It returns the parsed flags, for a reload,
// and the exit code to use when it fails (2: bad usage, 1: bad config).
func loadConfig(name string, args []string, stderr io.Writer, extra func(*pflag.FlagSet)) (*config.Config, *pflag.FlagSet, int) {
	fs := pflag.NewFlagSet("cwagentd "+name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	config.Flags(fs)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil, nil, 0
		}
		fmt.Fprintf(stderr, "cwagentd %s: %v; run \"cwagentd %s --help\" for the flags\n", name, err, name)
		return nil, nil, 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "cwagentd %s: unexpected argument %q; flags take the form --key=value\n", name, fs.Arg(0))
		return nil, nil, 2
	}
	cfg, err := config.Load(fs, os.Environ())
	if err != nil {
		fmt.Fprintf(stderr, "cwagentd: the configuration is invalid:\n%v\n", err)
		return nil, nil, 1
	}
	return cfg, fs, 0
}

func configCheck(args []string, stdout, stderr io.Writer) int {
	cfg, _, code := loadConfig("config check", args, stderr, nil)
	if cfg == nil {
		return code
	}
	fmt.Fprint(stdout, cfg.Render())
	return 0
}
