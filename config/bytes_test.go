package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseBytes(t *testing.T) {
	parse := parseBytes(1_000_000, 64<<30)
	ok := func(in string, want int64) {
		t.Helper()
		v, problem := parse(in)
		assert.Empty(t, problem, in)
		assert.Equal(t, want, v, in)
		assert.Equal(t, in, formatBytes(want), "round trip of %s", in)
	}
	ok("64MiB", 64<<20)
	ok("500MB", 500e6)
	ok("1GiB", 1<<30)
	ok("1048577", 1048577)
	bad := func(in, problem string) {
		t.Helper()
		_, got := parse(in)
		assert.Contains(t, got, problem, in)
	}
	bad("999999", "must be at least 1MB")
	bad("65GiB", "byte count from 1MB to 64GiB")
	bad("lots", "use a whole number")
	bad("-5MB", "use a whole number")
	bad("1.5MB", "use a whole number")
}

func TestParseNumbers(t *testing.T) {
	_, p := parseFloatRange(0.1, 10000)("0.05")
	assert.Contains(t, p, "from 0.1 to 10000")
	_, p = parseFloatRange(0.1, 10000)("NaN")
	assert.Contains(t, p, "from 0.1 to 10000")
	v, p := parseFloatRange(0.1, 10000)("2.5")
	assert.Empty(t, p)
	assert.Equal(t, 2.5, v)
	_, p = parseIntRange(1, 64)("65")
	assert.Contains(t, p, "whole number from 1 to 64")
	_, p = parseIntRange(1, 64)("2.0")
	assert.Contains(t, p, "whole number from 1 to 64")
}
