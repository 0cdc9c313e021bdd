package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// fileValues is what a config file sets: each known key's text exactly as
// written (so an unquoted 0666 stays "0666", not 438), nested by section
// for viper's config layer.
type fileValues struct {
	path string
	tree map[string]any  // "listen" -> {"udp": "..."}, "output" -> "..."
	set  map[string]bool // dotted keys present
}

// readFile reads and checks the config file at path, named by from. It
// returns what it could read and every problem found: a missing or
// unreadable file, bad YAML, unknown keys, empty values, lists or
// sections where a single value belongs.
func readFile(path string, from origin) (*fileValues, []error) {
	fv := &fileValues{path: path, tree: map[string]any{}, set: map[string]bool{}}
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fv, []error{fmt.Errorf("config file %q (from %s) does not exist; create it, or name an existing file with --%s or %s", path, from, FlagConfig, EnvConfig)}
		case errors.As(err, &pe):
			err = pe.Err
		}
		return fv, []error{fmt.Errorf("config file %q (from %s) cannot be read: %v", path, from, err)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fv, []error{fmt.Errorf("config file %s: invalid YAML: %v", path, err)}
	}
	if len(doc.Content) == 0 {
		return fv, nil // empty, or only comments
	}
	top := resolve(doc.Content[0])
	if isNull(top) {
		return fv, nil
	}
	order, children := sections()
	if top.Kind != yaml.MappingNode {
		return fv, []error{fmt.Errorf("config file %s (line %d): the top level must be a mapping of keys (%s), not %s",
			path, top.Line, strings.Join(order, ", "), describe(top))}
	}
	w := walker{fv: fv, seen: map[string]int{}}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], resolve(top.Content[i+1])
		name := k.Value
		kids, known := children[name]
		switch {
		case w.duplicate(name, k.Line):
		case !known:
			w.unknownTop(name, k.Line, order)
		case kids == nil:
			w.leaf(name, v)
		case isNull(v):
			// A section with every key commented out.
		case v.Kind != yaml.MappingNode:
			w.errs = append(w.errs, fmt.Errorf("%s: %s (from file %s, line %d) must be a section with the keys %s",
				name, describe(v), path, v.Line, strings.Join(kids, ", ")))
		default:
			section := map[string]any{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				ck, cv := v.Content[j], resolve(v.Content[j+1])
				key := name + "." + ck.Value
				if w.duplicate(key, ck.Line) {
					continue
				}
				if !slices.Contains(kids, ck.Value) {
					w.unknown(key, ck.Line, prefixed(name+".", kids), "keys in "+name)
					continue
				}
				if text, ok := w.leaf(key, cv); ok {
					section[ck.Value] = text
				}
			}
			if len(section) > 0 {
				fv.tree[name] = section
			}
		}
	}
	return fv, w.errs
}

type walker struct {
	fv   *fileValues
	seen map[string]int // key -> line where it first appeared
	errs []error
}

// duplicate reports a key given twice (YAML forbids it, but yaml.v3 only
// checks when decoding into a map).
func (w *walker) duplicate(key string, line int) bool {
	first, dup := w.seen[key]
	if !dup {
		w.seen[key] = line
		return false
	}
	w.errs = append(w.errs, fmt.Errorf("key %q appears twice in file %s (lines %d and %d); keep one", key, w.fv.path, first, line))
	return true
}

// leaf records the scalar v as the text of key.
func (w *walker) leaf(key string, v *yaml.Node) (string, bool) {
	switch {
	case isNull(v):
		hint := "remove the line to use the default, or give a value"
		if key == "listen.udp" || key == "listen.unixgram" {
			hint = `remove the line to use the default, or write "" to disable it`
		}
		w.errs = append(w.errs, fmt.Errorf("%s: empty YAML value (from file %s, line %d); %s", key, w.fv.path, v.Line, hint))
		return "", false
	case v.Kind == yaml.SequenceNode && isList(key):
		text, err := listNodeText(v)
		if err != nil {
			w.errs = append(w.errs, fmt.Errorf("%s: the list (from file %s, line %d) cannot be read: %v", key, w.fv.path, v.Line, err))
			return "", false
		}
		w.fv.set[key] = true
		return text, true
	case v.Kind != yaml.ScalarNode && isList(key):
		w.errs = append(w.errs, fmt.Errorf("%s: %s (from file %s, line %d) must be a list", key, describe(v), w.fv.path, v.Line))
		return "", false
	case v.Kind != yaml.ScalarNode:
		w.errs = append(w.errs, fmt.Errorf("%s: %s (from file %s, line %d) must be a single value", key, describe(v), w.fv.path, v.Line))
		return "", false
	}
	if !strings.Contains(key, ".") {
		w.fv.tree[key] = v.Value
	}
	w.fv.set[key] = true
	return v.Value, true
}

func isList(key string) bool {
	s, ok := specFor(key)
	return ok && s.list
}

// listNodeText is a YAML list as the JSON text its key parses. Scalars keep
// their text as written (value: 0123 or 2024-01-01 stay strings, as for
// every other key); only true and false become JSON booleans.
func listNodeText(v *yaml.Node) (string, error) {
	x, err := plain(v)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(x)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func plain(n *yaml.Node) (any, error) {
	n = resolve(n)
	switch n.Kind {
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			x, err := plain(c)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			x, err := plain(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			out[n.Content[i].Value] = x
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, err
			}
			return b, nil
		case "!!null":
			return nil, nil
		}
		return n.Value, nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML", n.Line)
}

// unknownTop reports an unknown top-level name, spotting the two likely
// slips: a dotted key written flat, and a key written outside its section.
func (w *walker) unknownTop(name string, line int, order []string) {
	if section, child, dotted := strings.Cut(name, "."); dotted && slices.Contains(Keys(), name) {
		w.errs = append(w.errs, fmt.Errorf("unknown key %q in file %s (line %d); keys nest by the dot: write %q and, indented below it, %q",
			name, w.fv.path, line, section+":", child+": ..."))
		return
	}
	for _, key := range Keys() {
		if section, child, _ := strings.Cut(key, "."); child == name {
			w.errs = append(w.errs, fmt.Errorf("unknown key %q in file %s (line %d); did you mean %q? it belongs indented under %q",
				name, w.fv.path, line, key, section+":"))
			return
		}
	}
	w.unknown(name, line, order, "top-level keys")
}

func (w *walker) unknown(key string, line int, valid []string, what string) {
	msg := fmt.Sprintf("unknown key %q in file %s (line %d);", key, w.fv.path, line)
	if s := suggest(key, valid); s != "" {
		msg += fmt.Sprintf(" did you mean %q?", s)
	}
	short := make([]string, len(valid))
	for i, v := range valid {
		short[i] = v[strings.LastIndexByte(v, '.')+1:]
	}
	w.errs = append(w.errs, fmt.Errorf("%s valid %s: %s", msg, what, strings.Join(short, ", ")))
}

// resolve follows a YAML alias (*name) to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}
