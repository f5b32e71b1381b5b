package share

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

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

// fields of a converge.yaml entry.
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
// repository shares no cookbooks.
func ReadSources(repoDir string) ([]*Source, error) {
	path := filepath.Join(repoDir, SourcesFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	srcs, err := ParseSources(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return srcs, nil
}

// ParseSources parses converge.yaml: a JSON object, or the YAML subset
// described in doc.go. The result is sorted by name.
func ParseSources(b []byte) ([]*Source, error) {
	var srcs []*Source
	var err error
	if t := strings.TrimSpace(string(b)); strings.HasPrefix(t, "{") {
		srcs, err = parseSourcesJSON(b)
	} else {
		srcs, err = parseSourcesYAML(string(b))
	}
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, s := range srcs {
		if seen[s.Name] {
			return nil, fmt.Errorf("line %d: cookbook %s is listed twice", s.Line, s.Name)
		}
		seen[s.Name] = true
		if err := s.validate(); err != nil {
			if s.Line > 0 {
				return nil, fmt.Errorf("line %d: %w", s.Line, err)
			}
			return nil, err
		}
	}
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].Name < srcs[j].Name })
	if srcs == nil {
		srcs = []*Source{} // the file exists, it just shares nothing yet
	}
	return srcs, nil
}

func parseSourcesJSON(b []byte) ([]*Source, error) {
	var doc struct {
		Cookbooks map[string]map[string]string `json:"cookbooks"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%v; want {\"cookbooks\": {\"NAME\": {\"git\": URL, \"tag\": TAG}}}", err)
	}
	var out []*Source
	for name, fields := range doc.Cookbooks {
		s := &Source{Name: name}
		for k, v := range fields {
			if err := s.set(k, v); err != nil {
				return nil, fmt.Errorf("cookbook %s: %w", name, err)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// parseSourcesYAML reads the subset of YAML that converge.yaml needs:
//
//	cookbooks:
//	  NAME: {KEY: VALUE, KEY: VALUE}
//	  NAME:
//	    KEY: VALUE
//
// Values are plain or quoted ('...' or "...") scalars; "#" starts a comment
// at the start of a line or after a blank. Nothing else (lists, anchors,
// multi-line strings, tabs for indentation) is accepted.
func parseSourcesYAML(text string) ([]*Source, error) {
	var out []*Source
	var cur *Source
	inCookbooks := false
	nameIndent, fieldIndent := -1, -1
	for i, raw := range strings.Split(text, "\n") {
		lineNo := i + 1
		fail := func(format string, a ...any) error {
			return fmt.Errorf("line %d: %s", lineNo, fmt.Sprintf(format, a...))
		}
		line, err := stripComment(strings.TrimRight(raw, " \r"))
		if err != nil {
			return nil, fail("%v", err)
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		body := strings.TrimLeft(line, " ")
		indent := len(line) - len(body)
		if strings.HasPrefix(body, "\t") {
			return nil, fail("indent with spaces, not tabs")
		}
		key, rest, err := splitKey(body)
		if err != nil {
			return nil, fail("%v", err)
		}
		switch {
		case indent == 0:
			if key != "cookbooks" {
				return nil, fail("unknown top-level key %q; converge.yaml has one key, cookbooks:", key)
			}
			if rest != "" {
				return nil, fail("cookbooks: takes the entries on the following lines, indented")
			}
			inCookbooks, cur = true, nil
		case !inCookbooks:
			return nil, fail("indented line outside cookbooks:")
		case nameIndent < 0 || indent == nameIndent:
			nameIndent, fieldIndent = indent, -1
			cur = &Source{Name: key, Line: lineNo}
			out = append(out, cur)
			if rest == "" {
				continue
			}
			if !strings.HasPrefix(rest, "{") || !strings.HasSuffix(rest, "}") {
				return nil, fail("cookbook %s: want {git: URL, tag: TAG} or the fields on indented lines", key)
			}
			if err := parseFlow(cur, rest[1:len(rest)-1]); err != nil {
				return nil, fail("cookbook %s: %v", key, err)
			}
			cur = nil // a flow mapping takes no indented fields
		case indent > nameIndent && cur != nil && (fieldIndent < 0 || indent == fieldIndent):
			fieldIndent = indent
			val, err := scalar(rest)
			if err != nil {
				return nil, fail("cookbook %s: %s: %v", cur.Name, key, err)
			}
			if err := cur.set(key, val); err != nil {
				return nil, fail("cookbook %s: %v", cur.Name, err)
			}
		default:
			return nil, fail("unexpected indentation")
		}
	}
	return out, nil
}

// parseFlow reads "k: v, k: v" into s.
func parseFlow(s *Source, text string) error {
	for _, item := range splitOutsideQuotes(text, ',') {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		key, rest, err := splitKey(item)
		if err != nil {
			return err
		}
		val, err := scalar(rest)
		if err != nil {
			return fmt.Errorf("%s: %v", key, err)
		}
		if err := s.set(key, val); err != nil {
			return err
		}
	}
	return nil
}

// splitKey splits "key: rest" at the first ": " (or a final ":").
func splitKey(s string) (key, rest string, err error) {
	i := strings.Index(s, ": ")
	switch {
	case i >= 0:
		key, rest = s[:i], strings.TrimSpace(s[i+2:])
	case strings.HasSuffix(s, ":"):
		key = s[:len(s)-1]
	default:
		return "", "", fmt.Errorf("%q: want KEY: VALUE", s)
	}
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, "{}[]\"'") {
		return "", "", fmt.Errorf("%q is not a plain key", key)
	}
	return key, rest, nil
}

// scalar unquotes a plain, '...' or "..." value.
func scalar(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') {
		if s[len(s)-1] != s[0] {
			return "", fmt.Errorf("unterminated quoted value %s", s)
		}
		return s[1 : len(s)-1], nil
	}
	if s == "" {
		return "", fmt.Errorf("empty value")
	}
	// Keep converge.yaml valid YAML: these start something else there
	// (">" a folded block, "!" a tag, ...), so such values must be quoted.
	if strings.ContainsAny(s[:1], ">|!&*{}[]%@`\"'") {
		return "", fmt.Errorf("value %s must be quoted, for example \"%s\"", s, s)
	}
	return s, nil
}

// stripComment removes a "#" comment outside quotes.
func stripComment(line string) (string, error) {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return line[:i], nil
		}
	}
	if quote != 0 {
		return "", fmt.Errorf("unterminated quote")
	}
	return line, nil
}

func splitOutsideQuotes(s string, sep byte) []string {
	var out []string
	var quote byte
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
