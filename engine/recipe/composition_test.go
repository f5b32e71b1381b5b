package recipe_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/resources"
)

// TestCompile_TemplateSpecificity copies a cookbook whose templates/ and
// files/ hold every specificity folder for db1.example.com on centos
// 7.1.1503, and removes the folder that was picked each round: the next
// more general one must be picked, in Chef's order. With none left, the
// error lists every place tried, in that order.
func TestCompile_TemplateSpecificity(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(testdataDir(t, "specificity"))); err != nil {
		t.Fatal(err)
	}
	repo := loadRepo(t, dir)
	cb := filepath.Join(dir, "cookbooks", "spec")
	in := recipe.Input{Name: "db1", Facts: centos7(), RunList: []string{"spec"}}
	order := []string{"host-db1.example.com", "centos-7.1.1503", "centos-7.1", "centos-7", "centos", "default", ""}
	for _, sub := range order {
		name := sub
		if name == "" {
			name = "bare"
		}
		c, err := repo.Compile(in)
		if err != nil {
			t.Fatalf("with %s the most specific: %v", name, err)
		}
		if got := rendered(t, find(t, c, "template[/etc/motd]"), "/etc/motd"); got != name+" db1\n" {
			t.Errorf("template: picked %q, want %s", got, name)
		}
		if got := rendered(t, find(t, c, "cookbook_file[/etc/issue]"), "/etc/issue"); got != name+"\n" {
			t.Errorf("cookbook_file: picked %q, want %s", got, name)
		}
		for _, f := range []string{filepath.Join(cb, "templates", sub, "motd.tmpl"), filepath.Join(cb, "files", sub, "issue")} {
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, err := repo.Compile(in)
	if err == nil {
		t.Fatal("Compile succeeded with no template left")
	}
	for _, kind := range []struct{ addr, dir, file string }{
		{"template[/etc/motd]", "templates", "motd.tmpl"},
		{"cookbook_file[/etc/issue]", "files", "issue"},
	} {
		var msg string
		for _, d := range diagnostics(err) {
			if strings.Contains(d.Error(), kind.addr) {
				msg = d.Error()
			}
		}
		var tried []string
		for _, line := range strings.Split(msg, "\n") {
			if p := strings.TrimSpace(line); strings.HasPrefix(p, filepath.Join(cb, kind.dir)) {
				tried = append(tried, p)
			}
		}
		var want []string
		for _, sub := range order {
			want = append(want, filepath.Join(cb, kind.dir, sub, kind.file))
		}
		if !reflect.DeepEqual(tried, want) {
			t.Errorf("%s: tried\n  %s\nwant\n  %s\nin error:\n%s", kind.addr, strings.Join(tried, "\n  "), strings.Join(want, "\n  "), msg)
		}
	}
}

// TestCompile_TemplateSpecificityWithoutFQDNOrVersion checks the lookup
// skips what the facts do not have.
func TestCompile_TemplateSpecificityWithoutFQDNOrVersion(t *testing.T) {
	repo := loadRepo(t, testdataDir(t, "specificity"))
	c, err := repo.Compile(recipe.Input{Name: "x", Facts: facts.Facts{Platform: "centos", Hostname: "x"}, RunList: []string{"spec"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := rendered(t, find(t, c, "template[/etc/motd]"), "/etc/motd"); got != "centos x\n" {
		t.Errorf("picked %q, want the centos folder", got)
	}
}

// TestCompile_IncludeRecipeOncePerRun checks include_recipe runs a recipe
// once however often it is included (run list, same cookbook, a
// dependency, itself), and load() from //libraries and @dep//libraries.
func TestCompile_IncludeRecipeOncePerRun(t *testing.T) {
	repo := loadRepo(t, testdataDir(t, "composition"))
	c, err := repo.Compile(recipe.Input{Name: "db1", Facts: centos7(), RunList: []string{"app", "recipe[lib::common]", "app::users"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"user[app]", "group[common]", "package[lib-tools]", "file[/etc/app.conf]"}
	if got := addresses(c); !reflect.DeepEqual(got, want) {
		t.Fatalf("resources %v, want %v", got, want)
	}
	var where []string
	for _, r := range c.Resources {
		where = append(where, r.Base().Cookbook+" "+r.Base().Recipe)
	}
	if want := []string{"app app::users", "lib lib::common", "lib lib::default", "app app::default"}; !reflect.DeepEqual(where, want) {
		t.Errorf("declared in %v, want %v", where, want)
	}
	if got := find(t, c, "file[/etc/app.conf]").(*resources.File).Content; got != "port=7789\n" {
		t.Errorf("content %q: the @lib library (loading its own //libraries/base.star) was not used", got)
	}
	if got := find(t, c, "user[app]").(*resources.User).Home; got != "/etc/home.conf" {
		t.Errorf("home %q: the //libraries helper was not used", got)
	}
}

// TestCompile_RunListForms checks Chef's run list spellings and roles.
func TestCompile_RunListForms(t *testing.T) {
	files := map[string]string{
		"cookbooks/a/recipes/default.star": `file("/a")`,
		"cookbooks/a/recipes/extra.star":   `file("/a-extra")`,
		"cookbooks/b/recipes/default.star": `file("/b")`,
		"roles/web.json":                   `{"run_list": ["recipe[b]", "role[base]"]}`,
		"roles/base.json":                  `{"run_list": ["a::extra"]}`,
	}
	tests := []struct {
		runList []string
		want    []string
	}{
		{[]string{"a"}, []string{"file[/a]"}},
		{[]string{"a::extra", "a"}, []string{"file[/a-extra]", "file[/a]"}},
		{[]string{"recipe[a::extra]", "recipe[b]"}, []string{"file[/a-extra]", "file[/b]"}},
		{[]string{"recipe[a@1.0.0]"}, []string{"file[/a]"}},
		{[]string{"role[web]", "a"}, []string{"file[/b]", "file[/a-extra]", "file[/a]"}},
		{recipe.SplitRunList(" a::extra, role[web] ,"), []string{"file[/a-extra]", "file[/b]"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.runList, ","), func(t *testing.T) {
			c, err := compileTree(t, copyMap(files), recipe.Input{RunList: tt.runList})
			if err != nil {
				t.Fatal(err)
			}
			if got := addresses(c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("resources %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCompile_RunListErrors checks what is wrong with a run list is said
// plainly.
func TestCompile_RunListErrors(t *testing.T) {
	files := map[string]string{
		"cookbooks/a/metadata.star":        `name = "a"` + "\n" + `depends = {"ghost": ""}`,
		"cookbooks/a/recipes/default.star": ``,
		"cookbooks/b/recipes/default.star": ``,
		"roles/loop.json":                  `{"run_list": ["role[loop]"]}`,
	}
	tests := []struct {
		runList []string
		want    string
	}{
		{nil, `the run list is empty`},
		{[]string{"nope"}, `cookbook nope \(wanted by the run list\) not found in the cookbook path; cookbooks found: a, b`},
		{[]string{"a"}, `cookbook ghost \(wanted by a\) not found`},
		{[]string{"b::missing"}, `recipe b::missing: .*missing.star not found; recipes of b: default`},
		{[]string{"role[none]"}, `role\[none\]: .*no such file`},
		{[]string{"role[loop]"}, `role loop includes itself`},
		{[]string{"recipe[]"}, `run list item "recipe\[\]" is not cookbook`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.runList, ","), func(t *testing.T) {
			_, err := compileTree(t, copyMap(files), recipe.Input{RunList: tt.runList})
			if err == nil || !matches(tt.want, err.Error()) {
				t.Errorf("error %v; want one matching %s", err, tt.want)
			}
		})
	}
}

// TestCompile_Cluster checks cluster.nodes, cluster.first and cluster.size
// reflect Input.Cluster in order, and that an empty cluster has no first.
func TestCompile_Cluster(t *testing.T) {
	src := `
for n in cluster.nodes:
    file("/etc/peers/" + n.name, content="%s %s %s %d %d" % (n.fqdn, n.ipaddress, n.platform, n.index, n.id))
file("/etc/first", content=str(cluster.first.name if cluster.first else None))
file("/etc/size", content=str(cluster.size))
`
	members := []recipe.ClusterMember{
		{Name: "db1", Facts: facts.Facts{FQDN: "db1.example.com", IPAddress: "10.0.0.11", Platform: "centos"}},
		{Name: "db2", Facts: facts.Facts{FQDN: "db2.example.com", IPAddress: "10.0.0.12", Platform: "centos"}},
	}
	tests := []struct {
		name    string
		members []recipe.ClusterMember
		want    map[string]string
	}{
		{"two nodes", members, map[string]string{
			"file[/etc/peers/db1]": "db1.example.com 10.0.0.11 centos 0 1",
			"file[/etc/peers/db2]": "db2.example.com 10.0.0.12 centos 1 2",
			"file[/etc/first]":     "db1",
			"file[/etc/size]":      "2",
		}},
		{"no cluster", nil, map[string]string{"file[/etc/first]": "None", "file[/etc/size]": "0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := compileTree(t, map[string]string{"cookbooks/t/recipes/default.star": src}, recipe.Input{RunList: []string{"t"}, Cluster: tt.members})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, r := range c.Resources {
				got[r.Base().Address()] = r.(*resources.File).Content
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCompile_ClusterInAttributeFiles checks attribute files see cluster
// too (a corosync nodelist is often built there).
func TestCompile_ClusterInAttributeFiles(t *testing.T) {
	got := attrValues(t, map[string]string{
		"cookbooks/app/attributes/default.star": `default["nodelist"] = [n.ipaddress for n in cluster.nodes]`,
	}, recipe.Input{Cluster: []recipe.ClusterMember{{Name: "a", Facts: facts.Facts{IPAddress: "10.0.0.1"}}, {Name: "b", Facts: facts.Facts{IPAddress: "10.0.0.2"}}}}, `node["nodelist"]`)
	if got[0] != `["10.0.0.1", "10.0.0.2"]` {
		t.Errorf("nodelist = %s", got[0])
	}
}

// TestCompile_IsDeterministic compiles the same input twice and compares
// what every resource would do: no clock, randomness or I/O reaches a
// recipe.
func TestCompile_IsDeterministic(t *testing.T) {
	repo := loadRepo(t, testdataDir(t, "composition"))
	in := recipe.Input{Name: "db1", Facts: centos7(), RunList: []string{"app"}}
	a, err := repo.Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := repo.Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(addresses(a), addresses(b)) {
		t.Fatalf("%v != %v", addresses(a), addresses(b))
	}
	for i := range a.Resources {
		pa, pb := a.Resources[i].Probes(), b.Resources[i].Probes()
		if !reflect.DeepEqual(pa, pb) {
			t.Errorf("%s: probes differ: %v vs %v", a.Resources[i].Base().Address(), pa, pb)
		}
	}
}
