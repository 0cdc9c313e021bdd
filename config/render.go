package config

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Render prints the effective configuration as YAML, every key in Keys
// order with a trailing comment saying where its value came from, e.g.
//
//	listen:
//	  udp: 127.0.0.1:8125 # env CWAGENTD_LISTEN_UDP
//
// The output is itself a valid config file for Load. It is what
// `cwagentd config check` prints.
func (c *Config) Render() string {
	root := &yaml.Node{Kind: yaml.MappingNode}
	root.HeadComment = "cwagentd effective configuration; the comment after each value says where it came from"
	if c.file != "" {
		root.HeadComment += "\nconfig file: " + c.file
	}
	var section *yaml.Node // the open section's mapping
	var sectionName string
	for _, s := range specs {
		value := scalar(s.text(c))
		if s.list {
			value = listNode(s.text(c))
		}
		value.LineComment = c.Origin(s.name)
		top, child, nested := strings.Cut(s.name, ".")
		if !nested {
			root.Content = append(root.Content, scalar(top), value)
			section, sectionName = nil, ""
			continue
		}
		if section == nil || sectionName != top {
			section, sectionName = &yaml.Node{Kind: yaml.MappingNode}, top
			root.Content = append(root.Content, scalar(top), section)
		}
		section.Content = append(section.Content, scalar(child), value)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		// Only strings and mappings are encoded; this cannot fail.
		panic("config: render: " + err.Error())
	}
	_ = enc.Close()
	return buf.String()
}

func scalar(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// listNode renders a list key's JSON text as a YAML flow list.
func listNode(text string) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil || len(doc.Content) == 0 {
		return scalar(text)
	}
	n := doc.Content[0]
	n.Style = yaml.FlowStyle
	return n
}
