package line

import (
	"errors"
	"strconv"
)

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseNumber parses a decimal number: [+-]digits[.digits][e[+-]digits].
// Words strconv would accept (inf, nan, hex, underscores) are refused.
//
// Most StatsD values are short decimals: those take an exact fast path (a
// mantissa below 2^53 divided by an exact power of ten is correctly rounded,
// Clinger's fast path). Everything else goes to strconv.ParseFloat.
func parseNumber(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	i, neg := 0, false
	if b[0] == '+' || b[0] == '-' {
		neg, i = b[0] == '-', 1
	}
	var mant uint64
	digits, frac, sawDot, sawDigit := 0, 0, false, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			sawDigit = true
			if mant == 0 && c == '0' {
				if sawDot {
					frac++
				}
				continue
			}
			mant = mant*10 + uint64(c-'0')
			digits++
			if sawDot {
				frac++
			}
		case c == '.' && !sawDot:
			sawDot = true
		default:
			return slowNumber(b)
		}
	}
	if !sawDigit {
		return 0, false
	}
	if digits > 15 || frac >= len(pow10) {
		return slowNumber(b)
	}
	f := float64(mant) / pow10[frac]
	if neg {
		f = -f
	}
	return f, true
}

func slowNumber(b []byte) (float64, bool) {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, false
		}
	}
	// string(b) does not escape ParseFloat, so short inputs stay on the stack.
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true // out of range comes back as ±Inf or 0 for clampMagnitude to judge
}
