// Package config owns cwagentd's typed configuration: the Config struct, the
// list of keys with their defaults and rules, loading them with viper from a
// YAML file, CWAGENTD_* environment variables and command-line flags
// (precedence flag > env > file > default), validating the result, and
// rendering the effective configuration for `cwagentd config check`.
//
// Every key is settable three ways: nested in the YAML file (listen.udp is
// "listen:\n  udp: ..."), as the environment variable CWAGENTD_<KEY> (upper
// case, '.' -> '_', e.g. CWAGENTD_LISTEN_UDP) and as the flag --<key>
// (e.g. --listen.udp). The file is named by --config or else by
// CWAGENTD_CONFIG; without one, defaults, env and flags apply.
//
// Load reports every problem at once (see Errors), each naming the key, the
// value, where the value came from and what is allowed. Unknown keys in the
// file and unknown CWAGENTD_* variables are errors, so typos never pass
// silently.
//
// The package is pure: it never reads the process environment except through
// the environ argument of Load (the effective user id, used only for the
// default socket path, is the one exception), never opens sockets and never
// creates directories. Load can be called again (e.g. on SIGHUP) to build a
// fresh Config; a Config is immutable once returned and safe for concurrent
// use.
package config
