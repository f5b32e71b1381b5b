package recipe

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/converge-cm/converge/engine"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Cookbook is one cookbook directory and its metadata.
type Cookbook struct {
	Name        string
	Dir         string
	Version     string
	Description string
	// Depends maps a cookbook name to its version constraint ("" for any).
	Depends  map[string]string
	Supports []string
}

// Repo is the set of cookbooks a run can use.
type Repo struct {
	Cookbooks map[string]*Cookbook
	// RolesDir holds roles/<name>.json; empty when there is none.
	RolesDir string
	// Root is the repository's directory: secrets/, data_bags/ and
	// environments/ are read from it ("" is the current directory).
	Root string
	// Decrypt opens the repository's age files; nil when the command
	// reads no secrets (secret() is then an error).
	Decrypt Decrypter
	// Secrets collects the secret values the run's recipes opened, so
	// that what is built from them is sensitive and output redacts them.
	// Nil holds none.
	Secrets *engine.Secrets
	// VersionOrigin says, for errors, where the version of cookbook cb a
	// run uses comes from and how to change it: ("converge.lock pins
	// 1.3.0 (from git:URL v1.3.0)", "run 'converge cookbooks update x'").
	// Nil, or an empty origin, is a cookbook of the repository's own,
	// whose metadata.star gives its version.
	VersionOrigin func(cb *Cookbook) (origin, fix string)

	team teamFiles
}

// fileOptions is converge's Starlark dialect.
var fileOptions = &syntax.FileOptions{
	Set:             true,
	While:           true,
	TopLevelControl: true,
	GlobalReassign:  true,
}

// LoadRepo finds the cookbooks in each path (a directory of cookbook
// directories). A cookbook found in an earlier path wins.
func LoadRepo(paths []string) (*Repo, error) {
	r := &Repo{Cookbooks: map[string]*Cookbook{}}
	for _, p := range paths {
		entries, err := os.ReadDir(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cookbook path %s: %w", p, err)
		}
		for _, e := range entries {
			if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			dir := filepath.Join(p, e.Name())
			cb, err := ReadMetadata(dir)
			if err != nil {
				return nil, err
			}
			if _, dup := r.Cookbooks[cb.Name]; dup {
				continue
			}
			r.Cookbooks[cb.Name] = cb
		}
	}
	return r, nil
}

// ReadMetadata reads dir/metadata.star; without one, the cookbook is named
// after its directory.
func ReadMetadata(dir string) (*Cookbook, error) {
	cb := &Cookbook{Name: filepath.Base(dir), Dir: dir, Depends: map[string]string{}}
	path := filepath.Join(dir, "metadata.star")
	src, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cb, nil
	}
	if err != nil {
		return nil, err
	}
	thread := newThread("metadata "+path, nil)
	g, err := execFile(thread, path, src, nil)
	if err != nil {
		return nil, starlarkDiag(err, "metadata.star assigns name, version, description, depends and supports")
	}
	str := func(k string) (string, error) {
		v, ok := g[k]
		if !ok {
			return "", nil
		}
		s, ok := starlark.AsString(v)
		if !ok {
			return "", &engine.Diagnostic{Pos: engine.Pos{File: path, Line: 1}, Summary: fmt.Sprintf("%s must be a string, not %s", k, v.Type())}
		}
		return s, nil
	}
	if n, err := str("name"); err != nil {
		return nil, err
	} else if n != "" {
		cb.Name = n
	}
	if cb.Version, err = str("version"); err != nil {
		return nil, err
	}
	if cb.Description, err = str("description"); err != nil {
		return nil, err
	}
	if d, ok := g["depends"]; ok {
		switch d := d.(type) {
		case *starlark.Dict:
			for _, it := range d.Items() {
				k, _ := starlark.AsString(it[0])
				v, _ := starlark.AsString(it[1])
				cb.Depends[k] = v
			}
		case *starlark.List:
			for i := 0; i < d.Len(); i++ {
				k, _ := starlark.AsString(d.Index(i))
				cb.Depends[k] = ""
			}
		default:
			return nil, &engine.Diagnostic{Pos: engine.Pos{File: path, Line: 1}, Summary: "depends must be a dict of name to version constraint", Detail: `for example depends = {"drbd": ">= 1.2, < 2"}`}
		}
	}
	if s, ok := g["supports"].(*starlark.List); ok {
		for i := 0; i < s.Len(); i++ {
			v, _ := starlark.AsString(s.Index(i))
			cb.Supports = append(cb.Supports, v)
		}
	}
	return cb, nil
}

// Recipes lists a cookbook's recipe names, sorted.
func (c *Cookbook) Recipes() []string {
	m, _ := filepath.Glob(filepath.Join(c.Dir, "recipes", "*.star"))
	var out []string
	for _, f := range m {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".star"))
	}
	sort.Strings(out)
	return out
}

// AttributeFiles lists attributes/default.star first, then the others in
// lexical order, as Chef loads them.
func (c *Cookbook) AttributeFiles() []string {
	m, _ := filepath.Glob(filepath.Join(c.Dir, "attributes", "*.star"))
	sort.Slice(m, func(i, j int) bool {
		di, dj := filepath.Base(m[i]) == "default.star", filepath.Base(m[j]) == "default.star"
		if di != dj {
			return di
		}
		return m[i] < m[j]
	})
	return m
}

// FindFile looks name up in the cookbook's dir ("templates" or "files") by
// Chef's file specificity: host-FQDN, platform-version for each version
// prefix, platform, default, then the folder itself.
//
// name must stay inside the folder: an absolute name, or one whose cleaned
// form climbs out with "..", is refused, and so is a file that is a
// symbolic link (or under one) resolving outside the cookbook. Facts that
// could not be a folder name (see pathSegment) skip their level.
func (c *Cookbook) FindFile(dir, name string, n *engine.Node) (string, error) {
	clean := filepath.Clean(filepath.FromSlash(name))
	if name == "" || filepath.IsAbs(clean) || strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) ||
		clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) || strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("source %q leaves the cookbook's %s folder; name a file inside it (for example %q)", name, dir, filepath.Base(clean))
	}
	base := filepath.Join(c.Dir, dir)
	var tried []string
	for _, sub := range specificity(n) {
		p := filepath.Join(base, sub, clean)
		tried = append(tried, p)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			if err := c.inside(p); err != nil {
				return "", err
			}
			return p, nil
		}
	}
	return "", fmt.Errorf("%s %q not found in cookbook %s; tried:\n      %s", strings.TrimSuffix(dir, "s"), name, c.Name, strings.Join(tried, "\n      "))
}

// inside checks that p, with every symbolic link resolved, is a file of
// the cookbook: a link inside a cookbook must not read the control
// machine's other files into a node.
func (c *Cookbook) inside(p string) error {
	root, err := filepath.EvalSymlinks(c.Dir)
	if err != nil {
		return err
	}
	if root, err = filepath.Abs(root); err != nil {
		return err
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return err
	}
	if real, err = filepath.Abs(real); err != nil {
		return err
	}
	if rel, err := filepath.Rel(root, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s is a symbolic link to %s, outside cookbook %s; copy the file into the cookbook instead", p, real, c.Name)
	}
	return nil
}

// pathSegment reports whether a fact can name a folder: not empty, no
// separator or NUL, not . or .., no "..". A node reporting the hostname
// x/../host-db1.example.com must not read db1's files.
func pathSegment(s string) bool {
	return s != "" && !strings.ContainsAny(s, "/\\\x00") && s != "." && !strings.Contains(s, "..")
}

func specificity(n *engine.Node) []string {
	var out []string
	f := n.Facts
	if pathSegment(f.FQDN) {
		out = append(out, "host-"+f.FQDN)
	}
	if pathSegment(f.Platform) {
		v := f.PlatformVersion
		if !pathSegment(v) {
			v = ""
		}
		for v != "" {
			out = append(out, f.Platform+"-"+v)
			i := strings.LastIndexByte(v, '.')
			if i < 0 {
				break
			}
			v = v[:i]
		}
		out = append(out, f.Platform)
	}
	return append(out, "default", "")
}
