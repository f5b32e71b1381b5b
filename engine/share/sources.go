package share

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/converge-cm/converge/engine/share/semver"
)

// SourcesFile is the name of the sources file at the repository root.
const SourcesFile = "converge.yaml"

// Source says where one shared cookbook comes from: a git repository or a
// local directory.
type Source struct {
	// Name is the cookbook's name, the key in converge.yaml.
	Name string
	// Git is the repository URL or path (a relative path is relative to the
	// repository root).
	Git string
	// Tag pins the cookbook to one tag of Git.
	Tag string
	// Branch follows a branch of Git; the lock records its commit.
	Branch string
	// Commit pins the cookbook to one commit of Git.
	Commit string
	// Version constrains the versions taken from Git's tags (vX.Y.Z or
	// X.Y.Z), or checks the version of a Path cookbook.
	Version string
	// Path is a local cookbook directory, relative to the repository root.
	Path string

	// Line is where the entry starts in converge.yaml.
	Line int
}

// Key identifies what the entry asks for; a lock entry made from a Source
// with another key is stale.
func (s *Source) Key() string {
	if s.Path != "" {
		return "path:" + s.Path
	}
	k := "git:" + s.Git
	switch {
	case s.Tag != "":
		k += " tag:" + s.Tag
	case s.Branch != "":
		k += " branch:" + s.Branch
	case s.Commit != "":
		k += " commit:" + s.Commit
	}
	if s.Version != "" {
		k += " version:" + s.Version
	}
	return k
}

// Location is the lock's source field: "git:URL" or "path:DIR".
func (s *Source) Location() string {
	if s.Path != "" {
		return "path:" + s.Path
	}
	return "git:" + s.Git
}

// sourceFields are the fields of a converge.yaml entry.
var sourceFields = []string{"git", "tag", "branch", "commit", "version", "path"}

func (s *Source) set(key, val string) error {
	switch key {
	case "git":
		s.Git = val
	case "tag":
		s.Tag = val
	case "branch":
		s.Branch = val
	case "commit":
		s.Commit = val
	case "version":
		s.Version = val
	case "path":
		s.Path = val
	default:
		return fmt.Errorf("unknown field %q; a cookbook takes %s", key, strings.Join(sourceFields, ", "))
	}
	return nil
}

func (s *Source) validate() error {
	switch {
	case s.Git == "" && s.Path == "":
		return fmt.Errorf("cookbook %s: give git: URL or path: DIR", s.Name)
	case s.Git != "" && s.Path != "":
		return fmt.Errorf("cookbook %s: give git: or path:, not both", s.Name)
	case s.Path != "" && (s.Tag != "" || s.Branch != "" || s.Commit != ""):
		return fmt.Errorf("cookbook %s: tag, branch and commit go with git:, not path:", s.Name)
	}
	n := 0
	for _, v := range []string{s.Tag, s.Branch, s.Commit} {
		if v != "" {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("cookbook %s: give at most one of tag, branch and commit", s.Name)
	}
	if _, err := semver.ParseConstraint(s.Version); err != nil {
		return fmt.Errorf("cookbook %s: version: %v", s.Name, err)
	}
	return nil
}

// ReadSources reads repoDir/converge.yaml. A missing file is no error: the
// repository shares no cookbooks. Errors name the file and line
// (converge.yaml:4: ...).
func ReadSources(repoDir string) ([]*Source, error) {
	path := filepath.Join(repoDir, SourcesFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseSources(path, b)
}

// ParseSources parses the text of a converge.yaml (YAML, or JSON, which
// is YAML too). The result is sorted by name; errors start with
// converge.yaml:LINE.
func ParseSources(b []byte) ([]*Source, error) {
	return parseSources(SourcesFile, b)
}

// sourceError is an error at one line of converge.yaml.
type sourceError struct {
	file string
	line int
	msg  string
}

func (e *sourceError) Error() string {
	if e.line <= 0 {
		return e.file + ": " + e.msg
	}
	return fmt.Sprintf("%s:%d: %s", e.file, e.line, e.msg)
}

func parseSources(file string, b []byte) ([]*Source, error) {
	p := sourceParser{file: file, text: b}
	srcs, err := p.parse()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, s := range srcs {
		if seen[s.Name] {
			return nil, p.errorf(s.Line, "cookbook %s is listed twice; keep one entry", s.Name)
		}
		seen[s.Name] = true
		if err := s.validate(); err != nil {
			return nil, p.errorf(s.Line, "%v", err)
		}
	}
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].Name < srcs[j].Name })
	if srcs == nil {
		srcs = []*Source{} // the file exists, it just shares nothing yet
	}
	return srcs, nil
}

// sourceParser reads converge.yaml with a YAML library (go.yaml.in/yaml/v3)
// and walks its node tree, so that every error can name the line it is
// about.
type sourceParser struct {
	file string
	text []byte
}

func (p *sourceParser) errorf(line int, format string, a ...any) error {
	return &sourceError{file: p.file, line: line, msg: fmt.Sprintf(format, a...)}
}

// yamlLine finds the line number yaml.v3 puts in its messages
// ("yaml: line 4: ...").
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

var unknownAnchor = regexp.MustCompile(`unknown anchor '([^']*)'`)

func (p *sourceParser) parse() ([]*Source, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(p.text, &doc); err != nil {
		return nil, p.syntaxError(err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil // an empty file
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return nil, p.errorf(root.Line, "want a mapping with one key, cookbooks:")
	}
	var out []*Source
	var cookbooks *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch {
		case k.Value == "cookbooks":
			cookbooks = v
		case strings.HasPrefix(k.Value, "x-"):
			// An extension key: a place for anchors (x-platform: &platform
			// {...}) that entries merge with <<: *platform.
		default:
			return nil, p.errorf(k.Line, "unknown top-level key %q; converge.yaml has one key, cookbooks: (and x-NAME keys for anchors)", k.Value)
		}
	}
	if cookbooks == nil {
		return nil, nil
	}
	cookbooks = resolve(cookbooks)
	switch {
	case cookbooks.Kind == yaml.ScalarNode && cookbooks.Tag == "!!null":
		return nil, nil // cookbooks: with nothing under it yet
	case cookbooks.Kind != yaml.MappingNode:
		return nil, p.errorf(cookbooks.Line, "cookbooks: takes a mapping of NAME: {git: URL, tag: TAG} entries")
	}
	for i := 0; i+1 < len(cookbooks.Content); i += 2 {
		k, v := cookbooks.Content[i], cookbooks.Content[i+1]
		s := &Source{Name: k.Value, Line: k.Line}
		if k.Kind != yaml.ScalarNode || s.Name == "" {
			return nil, p.errorf(k.Line, "a cookbook name must be a plain word")
		}
		fields, err := p.fields(s.Name, v, 0)
		if err != nil {
			return nil, err
		}
		for _, f := range fields {
			val, err := p.value(s.Name, f.key.Value, f.val)
			if err != nil {
				return nil, err
			}
			if err := s.set(f.key.Value, val); err != nil {
				return nil, p.errorf(f.key.Line, "cookbook %s: %v", s.Name, err)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

type field struct{ key, val *yaml.Node }

// fields lists the key/value pairs of a cookbook's mapping, with YAML merge
// keys (<<: *anchor, <<: [*a, *b]) expanded; a key written in the entry
// wins over a merged one.
func (p *sourceParser) fields(name string, n *yaml.Node, depth int) ([]field, error) {
	if depth > 16 {
		return nil, p.errorf(n.Line, "cookbook %s: merge keys nest too deep", name)
	}
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		return nil, p.errorf(n.Line, "cookbook %s: want {git: URL, tag: TAG} or the fields on indented lines", name)
	}
	var own, merged []field
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag != "!!merge" {
			own = append(own, field{k, v})
			continue
		}
		v = resolve(v)
		from := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			from = v.Content
		}
		for _, m := range from {
			fs, err := p.fields(name, m, depth+1)
			if err != nil {
				return nil, err
			}
			merged = append(merged, fs...)
		}
	}
	have := map[string]bool{}
	var out []field
	for _, f := range own {
		if have[f.key.Value] {
			return nil, p.errorf(f.key.Line, "cookbook %s: %s is given twice", name, f.key.Value)
		}
		have[f.key.Value] = true
		out = append(out, f)
	}
	for _, f := range merged {
		if !have[f.key.Value] {
			have[f.key.Value] = true
			out = append(out, f)
		}
	}
	return out, nil
}

// value is a field's text. A scalar is taken as written (tag: 1.10 is
// "1.10"); version: also takes a list of constraints, which all apply.
func (p *sourceParser) value(name, key string, n *yaml.Node) (string, error) {
	n = resolve(n)
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		return "", p.errorf(n.Line, "cookbook %s: %s: empty value", name, key)
	case n.Kind == yaml.ScalarNode:
		return n.Value, nil
	case n.Kind == yaml.SequenceNode && key == "version":
		var parts []string
		for _, e := range n.Content {
			e = resolve(e)
			if e.Kind != yaml.ScalarNode || e.Value == "" {
				return "", p.errorf(e.Line, "cookbook %s: version: each item of the list is one constraint such as \">= 1.2\"", name)
			}
			parts = append(parts, e.Value)
		}
		if len(parts) == 0 {
			return "", p.errorf(n.Line, "cookbook %s: version: empty list", name)
		}
		return strings.Join(parts, ", "), nil
	}
	return "", p.errorf(n.Line, "cookbook %s: %s: want a single value (only version: takes a list)", name, key)
}

// resolve follows an alias to its anchored node.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// syntaxError turns a YAML library error into file:line, with a hint for
// the common mistake of an unquoted value that starts with an indicator
// (version: >= 1.2).
func (p *sourceParser) syntaxError(err error) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	lines := strings.Split(string(p.text), "\n")
	if m := unknownAnchor.FindStringSubmatch(msg); m != nil && line == 0 {
		for i, l := range lines {
			if strings.Contains(l, "*"+m[1]) {
				line = i + 1
				break
			}
		}
		msg = fmt.Sprintf("unknown anchor %q: define it with &%s before the alias *%s", m[1], m[1], m[1])
	}
	// yaml.v3 may name the line after the one at fault; look at both.
	for _, l := range []int{line, line - 1} {
		if l < 1 || l > len(lines) {
			continue
		}
		text := lines[l-1]
		if strings.HasPrefix(strings.TrimLeft(text, " "), "\t") || strings.HasPrefix(text, "\t") {
			return p.errorf(l, "%s (indent with spaces, not tabs)", msg)
		}
		if i := strings.Index(text, ": "); i >= 0 {
			v := strings.TrimSpace(text[i+2:])
			if v != "" && strings.ContainsAny(v[:1], ">|!%@`") {
				return p.errorf(l, "value %s must be quoted, for example \"%s\" (%s)", v, v, msg)
			}
		}
	}
	if strings.HasPrefix(msg, "mapping values are not allowed") {
		msg += " (check the indentation: the fields of one cookbook line up under it)"
	}
	return p.errorf(line, "%s", msg)
}
