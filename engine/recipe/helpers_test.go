package recipe_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/hashicorp/go-multierror"

	_ "github.com/converge-cm/converge/resources" // registers the resource kinds
)

// centos7 is the node most compile tests run for.
func centos7() facts.Facts {
	return facts.Facts{
		Hostname: "db1", FQDN: "db1.example.com", IPAddress: "10.0.0.11",
		Platform: "centos", PlatformVersion: "7.1.1503", PlatformFamily: "rhel",
		Init: "systemd", Kernel: "3.10.0", Machine: "x86_64", CPUCount: 2, MemoryMB: 2048,
	}
}

// testdataDir is the repository's testdata/recipes/NAME, absolute.
func testdataDir(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "testdata", "recipes", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// writeTree writes files (slash paths relative to dir) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// loadRepo loads the cookbooks under dir/cookbooks, with dir/roles as the
// roles directory.
func loadRepo(t *testing.T, dir string) *recipe.Repo {
	t.Helper()
	r, err := recipe.LoadRepo([]string{filepath.Join(dir, "cookbooks")})
	if err != nil {
		t.Fatalf("LoadRepo: %v", err)
	}
	r.RolesDir = filepath.Join(dir, "roles")
	return r
}

// compileTree writes files into a fresh repository and compiles in for it;
// in.Facts defaults to centos7 and in.Name to "db1".
func compileTree(t *testing.T, files map[string]string, in recipe.Input) (*engine.Collection, error) {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, files)
	if in.Facts.Platform == "" {
		in.Facts = centos7()
	}
	if in.Name == "" {
		in.Name = "db1"
	}
	return loadRepo(t, dir).Compile(in)
}

// compileRecipe compiles src as cookbook t's default recipe; extra adds
// files to the cookbook (templates/default/x.tmpl, ...).
func compileRecipe(t *testing.T, src string, extra map[string]string) (*engine.Collection, error) {
	t.Helper()
	files := map[string]string{
		"cookbooks/t/metadata.star":        `name = "t"`,
		"cookbooks/t/recipes/default.star": src,
	}
	for k, v := range extra {
		files["cookbooks/t/"+k] = v
	}
	return compileTree(t, files, recipe.Input{RunList: []string{"t"}})
}

// mustCompile is compileRecipe for recipes that must compile.
func mustCompile(t *testing.T, src string, extra map[string]string) *engine.Collection {
	t.Helper()
	c, err := compileRecipe(t, src, extra)
	if err != nil {
		t.Fatalf("Compile:\n%s\nerror: %v", src, err)
	}
	return c
}

// addresses lists the collection's resources as kind[name].
func addresses(c *engine.Collection) []string {
	var out []string
	for _, r := range c.Resources {
		out = append(out, r.Base().Address())
	}
	return out
}

// find returns the resource at address, failing the test without it.
func find(t *testing.T, c *engine.Collection, address string) engine.Resource {
	t.Helper()
	r, ok := c.Find(address)
	if !ok {
		t.Fatalf("no %s in %v", address, addresses(c))
	}
	return r
}

// diagnostics flattens the errors Compile returned.
func diagnostics(err error) []error {
	var me *multierror.Error
	if errors.As(err, &me) {
		var out []error
		for _, e := range me.Errors {
			out = append(out, diagnostics(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

// rendered returns the bytes a template, file or cookbook_file would
// write to a path that does not exist yet.
func rendered(t *testing.T, r engine.Resource, path string) string {
	t.Helper()
	p := engine.NewProbed()
	p.SetStat(path, engine.FileState{})
	d, err := r.Check("create", p)
	if err != nil {
		t.Fatalf("%s: Check: %v", r.Base().Address(), err)
	}
	if d.Content == nil {
		t.Fatalf("%s: Check returned no content: %+v", r.Base().Address(), d)
	}
	return string(d.Content.New)
}

func matches(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }
