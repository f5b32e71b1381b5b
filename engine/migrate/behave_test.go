package migrate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	cfacts "github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
)

var debian12 = cfacts.Facts{Platform: "debian", PlatformFamily: "debian", PlatformVersion: "12", Init: "systemd", Hostname: "web1"}
var centos7 = cfacts.Facts{Platform: "centos", PlatformFamily: "rhel", PlatformVersion: "7.9", Init: "systemd", Hostname: "web1"}

// migrateCompile writes a Chef cookbook "cb" (files relative to it; a
// metadata.rb naming it is added unless given), migrates it and compiles
// the result for a node with facts f. It returns the resources as
// "address {fields}" strings.
func migrateCompile(t *testing.T, files map[string]string, f cfacts.Facts, runList ...string) ([]string, Report, error) {
	t.Helper()
	src, out := t.TempDir(), t.TempDir()
	cb := filepath.Join(src, "cb")
	if _, ok := files["metadata.rb"]; !ok {
		files["metadata.rb"] = "name 'cb'\nversion '1.0.0'\n"
	}
	for p, body := range files {
		full := filepath.Join(cb, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Migrate([]string{cb}, out)
	if err != nil {
		t.Fatal(err)
	}
	repo, err := recipe.LoadRepo([]string{filepath.Join(out, "cookbooks")})
	if err != nil {
		return nil, rep, err
	}
	if len(runList) == 0 {
		runList = []string{"cb"}
	}
	c, err := repo.Compile(recipe.Input{Name: "web1", Facts: f, RunList: runList})
	if err != nil {
		return nil, rep, fmt.Errorf("%w\n%s", err, dumpTree(t, out))
	}
	return resourceStrings(c), rep, nil
}

func resourceStrings(c *engine.Collection) []string {
	var got []string
	for _, r := range c.Resources {
		got = append(got, fmt.Sprintf("%s %+v", r.Base().Address(), r))
	}
	return got
}

func dumpTree(t *testing.T, root string) string {
	var b strings.Builder
	for _, f := range listFiles(t, root) {
		if strings.HasSuffix(f, ".star") {
			src, _ := os.ReadFile(filepath.Join(root, f))
			fmt.Fprintf(&b, "--- %s\n%s", f, src)
		}
	}
	return b.String()
}

// wantResources checks every want is a substring of one resource string,
// in order: "file[/etc/x.conf]" or "file[/x] ...Content:abc".
func wantResources(t *testing.T, got, want []string) {
	t.Helper()
	i := 0
	for _, w := range want {
		addr, detail, _ := strings.Cut(w, " ")
		found := false
		for ; i < len(got); i++ {
			if strings.HasPrefix(got[i], addr+" ") && strings.Contains(got[i], detail) {
				found = true
				i++
				break
			}
		}
		if !found {
			t.Errorf("no resource %q (in order) among:\n  %s", w, strings.Join(got, "\n  "))
			return
		}
	}
}

// TestMigrate_AttributesBehaveAsChef: the migrated cookbook compiles and
// reads the attribute values Chef would.
func TestMigrate_AttributesBehaveAsChef(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		f     cfacts.Facts
		want  []string
	}{
		{"an attributes file reads what it set", map[string]string{
			"attributes/default.rb": "default['myapp']['dir'] = '/opt/myapp'\ndefault['myapp']['conf'] = \"#{node['myapp']['dir']}/conf\"\n",
			"recipes/default.rb":    "directory node['myapp']['conf']\n",
		}, debian12, []string{"directory[/opt/myapp/conf]"}},
		{"a later attributes file reads an earlier one", map[string]string{
			"attributes/default.rb": "default['myapp']['dir'] = '/srv/app'\n",
			"attributes/logs.rb":    "default['myapp']['log_dir'] = ::File.join(node['myapp']['dir'], 'log')\n",
			"recipes/default.rb":    "directory node['myapp']['log_dir']\n",
		}, debian12, []string{"directory[/srv/app/log]"}},
		{"override beats a later default read", map[string]string{
			"attributes/default.rb": "default['myapp']['port'] = 80\noverride['myapp']['port'] = 8080\ndefault['myapp']['url'] = \"http://localhost:#{node['myapp']['port']}\"\n",
			"recipes/default.rb":    "file '/etc/myapp.url' do\n  content node['myapp']['url']\nend\n",
		}, debian12, []string{"file[/etc/myapp.url] Content:http://localhost:8080"}},
		{"force_default beats default", map[string]string{
			"attributes/default.rb": "force_default['myapp']['user'] = 'svc'\ndefault['myapp']['user'] = 'nobody'\n",
			"recipes/default.rb":    "user node['myapp']['user']\n",
		}, debian12, []string{"user[svc]"}},
		{"a recipe sets an attribute under a platform branch", map[string]string{
			"attributes/default.rb": "default['web']['pkg'] = 'nginx'\n",
			"recipes/default.rb":    "case node['platform_family']\nwhen 'rhel'\n  node.default['web']['pkg'] = 'nginx-rhel'\nend\npackage node['web']['pkg']\n",
		}, centos7, []string{"package[nginx-rhel]"}},
		{"the same recipe on debian keeps the attributes file's value", map[string]string{
			"attributes/default.rb": "default['web']['pkg'] = 'nginx'\n",
			"recipes/default.rb":    "case node['platform_family']\nwhen 'rhel'\n  node.default['web']['pkg'] = 'nginx-rhel'\nend\npackage node['web']['pkg']\n",
		}, debian12, []string{"package[nginx]"}},
		{"node.set is normal and beats default", map[string]string{
			"attributes/default.rb": "default['web']['root'] = '/var/www'\n",
			"recipes/default.rb":    "node.set['web']['root'] = '/srv/www'\ndirectory node['web']['root']\n",
		}, debian12, []string{"directory[/srv/www]"}},
		{"run_state carries a value to a later recipe", map[string]string{
			"recipes/default.rb": "include_recipe 'cb::secret'\nfile '/etc/token' do\n  content node.run_state['token']\nend\n",
			"recipes/secret.rb":  "node.run_state['token'] = \"tok-#{node['hostname']}\"\n",
		}, debian12, []string{"file[/etc/token] Content:tok-web1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, rep, err := migrateCompile(t, c.files, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Todos) != 0 {
				t.Errorf("todos: %v", rep.Todos)
			}
			wantResources(t, got, c.want)
		})
	}
}
