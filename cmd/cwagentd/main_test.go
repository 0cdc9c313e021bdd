package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCLI_Dispatch(t *testing.T) {
	f := func(args []string, code int, wantOut, wantErr string) {
		t.Helper()
		var out, errOut bytes.Buffer
		assert.Equal(t, code, cli(args, &out, &errOut), "%v", args)
		assert.Contains(t, out.String(), wantOut, "%v stdout", args)
		assert.Contains(t, errOut.String(), wantErr, "%v stderr", args)
	}
	f(nil, 2, "", "Usage:")
	f([]string{"help"}, 0, "cwagentd run", "")
	f([]string{"version"}, 0, "cwagentd ", "")
	f([]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`)
	f([]string{"config"}, 2, "", `use "cwagentd config check"`)
	f([]string{"config", "check", "--no-such-flag"}, 2, "", "unknown flag: --no-such-flag")
	f([]string{"config", "check", "stray"}, 2, "", `unexpected argument "stray"`)
	f([]string{"run", "--help"}, 0, "", "--listen.udp")
	f([]string{"config", "check", "--output=stdout", "--aggregation.period=7s"}, 1, "", "aggregation.period")
}
