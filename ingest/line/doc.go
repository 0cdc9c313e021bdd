// Package line parses StatsD and DogStatsD lines.
//
// It owns the line grammar of DESIGN.md:
//
//	name:value[:value...]|type[|@rate][|#tag:val,tag2:val][|T<unix seconds>][|c:<container>]
//
// and nothing else: it never folds, allocates nothing once the Sample's
// arrays have grown (Parse fills a Sample the caller owns, whose arrays are
// reused line after line), and never keeps a reference to the bytes it was given
// beyond the Sample it fills (whose slices alias the input). A line it cannot
// parse is reported with a Reason so that the caller can count it; it never
// panics on any input (FuzzParse holds it to that).
package line
