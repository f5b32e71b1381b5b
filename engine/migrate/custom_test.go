package migrate

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	cfacts "github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/migrate/ruby"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/resources"
)

// crCookbook writes a Chef cookbook "kit" with the files given (path
// relative to the cookbook: resources/x.rb, providers/x.rb,
// definitions/x.rb) and a test cookbook kit_test whose default recipe is
// testRecipe, migrates it, and returns the output directory and report.
func crCookbook(t *testing.T, files map[string]string, testRecipe string) (string, Report) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "kit")
	all := map[string]string{
		"metadata.rb": "name 'kit'\nversion '1.0.0'\n",
		"test/fixtures/cookbooks/kit_test/metadata.rb":        "name 'kit_test'\nversion '0.1.0'\ndepends 'kit'\n",
		"test/fixtures/cookbooks/kit_test/recipes/default.rb": testRecipe,
	}
	for p, s := range files {
		all[p] = s
	}
	for p, s := range all {
		if err := writeFile(filepath.Join(src, p), []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	r, err := Migrate([]string{src}, out)
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, out)
	return out, r
}

// compileTest compiles kit_test::default on ubuntu-22.04; allowTodo
// compiles past the markers.
func compileTest(t *testing.T, out string, allowTodo bool) error {
	t.Helper()
	_, err := compileTestRun(t, out, allowTodo)
	return err
}

// compileTestRun is compileTest's resource collection.
func compileTestRun(t *testing.T, out string, allowTodo bool) (*engine.Collection, error) {
	t.Helper()
	repo, err := recipe.LoadRepo([]string{filepath.Join(out, "cookbooks")})
	if err != nil {
		t.Fatal(err)
	}
	f, err := cfacts.ForPlatform("ubuntu-22.04")
	if err != nil {
		t.Fatal(err)
	}
	return repo.Compile(recipe.Input{Name: f.Hostname, Facts: f, Normal: map[string]any{}, RunList: []string{"kit_test::default"},
		Cluster: []recipe.ClusterMember{{Name: f.Hostname, Facts: f}}, AllowTodo: allowTodo})
}

// migratedCustom migrates the kit cookbook of files with testRecipe as
// its test recipe, which must translate without a TODO, compiles it and
// returns the recipe's first resource, a custom one, with its
// properties' values.
func migratedCustom(t *testing.T, files map[string]string, testRecipe string) (*engine.Custom, map[string]any) {
	t.Helper()
	out, r := crCookbook(t, files, testRecipe)
	if len(r.Todos) > 0 {
		t.Errorf("%s: TODOs %v", testRecipe, r.Todos)
	}
	c, err := compileTestRun(t, out, false)
	if err != nil {
		t.Fatalf("%s: %v", testRecipe, err)
	}
	cu, ok := c.Resources[0].(*engine.Custom)
	if !ok {
		t.Fatalf("%s: resource 0 is %T", testRecipe, c.Resources[0])
	}
	props := map[string]any{}
	for _, p := range cu.Props {
		props[p.Name] = p.Value
	}
	return cu, props
}

func TestMigrate_CustomResourceConstructs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		files  map[string]string
		recipe string
		kind   string   // resources/KIND.star
		want   []string // in the kind's file
		absent []string // not in it
		todos  []string // constructs left with a TODO, in order
	}{
		{
			name: "custom resource",
			files: map[string]string{"resources/conf.rb": `
provides :kit_conf
unified_mode true
property :path, String, name_property: true
property :mode, [String, Integer], default: '0640'
property :lines, Array, default: []
property :enabled, [true, false], default: true
property :flavor, Symbol, equal_to: [:plain, :fancy], default: :plain
property :secret, String, sensitive: true, desired_state: false, default: ''
default_action :write

load_current_value do |want|
  current_value_does_not_exist! unless ::File.exist?(want.path)
  lines ::File.read(want.path).split("\n")
  flavor shell_out("head -1 #{want.path}").stdout.strip == '#fancy' ? :fancy : :plain
end

action :delete do
  file new_resource.path do
    action :delete
  end
end

action :write do
  converge_if_changed :lines do
    file path do
      content header + new_resource.lines.join("\n")
      mode new_resource.mode
    end
  end
end

action_class do
  def header
    @header ||= flavor == :fancy ? "#fancy\n" : ''
  end
end
`},
			recipe: "kit_conf '/etc/kit.conf' do\n  lines %w(a b)\n  flavor :fancy\nend\n",
			kind:   "conf",
			want: []string{
				`property("path", str, name_property=True)`,
				`property("mode", "mode", default="0640")`,
				`property("enabled", bool, default=True)`,
				`property("flavor", str, one_of=["plain", "fancy"], default="plain")`,
				`property("secret", str, sensitive=True, desired_state=False, default="")`,
				`"p0": "test -e " + shell.quote(r.path),`, `"p1": "cat " + shell.quote(r.path),`, `"p2": "head -1 %s" % r.path,`,
				`cur["lines"] = rb_split(out["p1"].stdout, "\n")`,
				"def header(r):\n    return \"#fancy\\n\" if r.flavor == \"fancy\" else \"\"",
				"def action_write(r):\n    # converge_if_changed (lines)",
				`content=header(r) + "\n".join(r.lines),`,
				`run_when = {"write": "changed", "delete": "always"}`,
			},
		},
		{
			name: "actions declared in a loop",
			files: map[string]string{"resources/daemon.rb": `
provides :kit_daemon
property :unit, String, default: 'kitd'

action_class do
  def run_unit(what)
    service new_resource.unit do
      action what
    end
  end
end

%i(start halt).each do |verb|
  action verb do
    run_unit(verb)
  end
end

[:enable, :disable].each { |t| send(:action, t) { run_unit(action) } }

action :poke do
  service 'other' do
    action action
  end
end
`},
			recipe: "kit_daemon 'd' do\n  action [:start, :disable]\nend\n",
			kind:   "daemon",
			want: []string{
				"def action_start(r):\n    verb = \"start\"  # the loop declaring the action\n    run_unit(r, verb)",
				"def action_halt(r):\n    verb = \"halt\"",
				"def action_enable(r):\n    t = \"enable\"  # the loop declaring the action\n",
				`run_unit(r, "enable")`,
				"def action_disable(r):",
			},
			todos: []string{"action"}, // the resource's own action, which converge does not read
		},
		{
			name: "a version guard, action_class.class_eval, allowed_actions and an alias",
			files: map[string]string{"resources/note.rb": `
require 'shellwords'
unified_mode true if respond_to?(:unified_mode)
resource_name :kit_note
provides :kit_memo
allowed_actions :write
property :text, String, default: 'hi'
deprecated_property_alias :body, :text, 'body is now text'

action_class.class_eval do
  def body_text
    new_resource.text + "\n"
  end
end

action :write do
  file "/tmp/#{new_resource.name}" do
    content body_text
  end
end
`},
			recipe: "kit_memo 'm' do\n  body 'yo'\nend\nfile '/tmp/x' do\n  notifies :write, 'kit_memo[m]'\nend\n",
			kind:   "note",
			want: []string{
				"# unified_mode: converge compiles",
				"# require 'shellwords': a Ruby library;",
				"# provides :kit_memo: recipes calling kit_memo call this kind, kit_note",
				"# allowed_actions write:",
				"# deprecated_property_alias :body, :text: the recipes migrated with this kind set text where they set body",
				"def body_text(r):\n    return r.text + \"\\n\"",
				"file(\"/tmp/%s\" % r.name, content=body_text(r))",
			},
		},
		{
			name: "property_is_set? and setting new_resource.x",
			files: map[string]string{"resources/edit.rb": `
provides :kit_edit
property :path, String, name_property: true
property :eol, String, default: "\n"
property :backup, [true, false, Integer], default: false

action_class do
  def pick_eol
    new_resource.eol = "\r\n" unless property_is_set?(:eol)
    new_resource.eol
  end
end

action :edit do
  new_resource.sensitive = true unless new_resource.property_is_set?(:sensitive)
  new_resource.backup = 5 if new_resource.backup == true
  file new_resource.path do
    content "a#{pick_eol}"
    backup new_resource.backup
    sensitive new_resource.sensitive
  end
end
`},
			recipe: "kit_edit '/tmp/e' do\n  backup true\nend\n",
			kind:   "edit",
			want: []string{
				"def pick_eol(r):\n    if not property_is_set(r, \"eol\"):\n        r.eol = \"\\r\\n\"\n    return r.eol",
				"if not property_is_set(r, \"sensitive\"):\n        r.sensitive = True",
				"if r.backup == True:\n        r.backup = 5",
			},
		},
		{
			name: "a helper with keyword parameters",
			files: map[string]string{"resources/hosts.rb": `
provides :kit_hosts
property :extra, Hash, default: {}

action_class do
  def merged(base, extra:, tag:)
    base.merge(extra).merge('tag' => tag)
  end
end

action :write do
  all = merged({ 'a' => '1' }, extra: new_resource.extra, tag: 'x')
  file '/tmp/hosts' do
    content all.keys.sort.join(',')
  end
end
`},
			recipe: "kit_hosts 'h' do\n  extra('b' => '2')\nend\n",
			kind:   "hosts",
			want: []string{
				"def merged(r, base, *, extra, tag):",
				`all_ = merged(r, {"a": "1"}, extra=r.extra, tag="x")`,
			},
		},
		{
			name: "a keyword parameter with a default",
			files: map[string]string{"resources/kwd.rb": `
provides :kit_kwd
action_class do
  def pick(tag: 'x')
    tag
  end
end
action :write do
  file '/tmp/kwd' do
    content pick(tag: 'y')
  end
end
`},
			recipe: "kit_kwd 'k'\n",
			kind:   "kwd",
			todos:  []string{"def pick"},
		},
		{
			name: "types, lazy defaults, coerce, a partial and the common properties",
			files: map[string]string{
				"libraries/helpers.rb": `
module Kit
  module Helpers
    def kit_user
      platform_family?('debian') ? 'kit' : 'kitd'
    end
  end
end
`,
				"resources/_partial/_shared.rb": "property :owner, String, default: 'root'\nproperty :conf_dir, String, default: '/etc/kit'\n",
				"resources/site.rb": `
provides :kit_site
use '_partial/_shared'
property :port, [Integer, String], default: 8080
property :tls, [TrueClass, FalseClass, Hash]
property :label, [String, NilClass, FalseClass], default: 'main'
property :user, String, default: lazy { kit_user }
property :pkg, String, default: lazy { platform_family?('debian') ? 'kit-dev' : 'kit-devel' }
property :conf, String, default: lazy { |r| "#{r.conf_dir}/#{r.name}.conf" }
property :root, String, default: lazy { '/srv/' + name }
property :map, String, default: 'auto.home'
property :mount, String, default: lazy { '/' + map.sub('auto.', '') }
property :quiet, [true, false], default: lazy { sensitive }
property :aliases, Array, default: [], coerce: proc { |v| v.is_a?(Array) ? v : [v] }
property :workers, Integer, coerce: proc { |v| v.to_i }
property :tag, String, coerce: proc { |v| v.to_s }
property :match, [String, Regexp]
property :slots, Integer, default: 2, callbacks: { 'is positive' => ->(n) { n > 0 }, 'is small' => lambda { |n| n < 100 } }

action :create do
  package new_resource.pkg
  file new_resource.conf do
    content "port #{new_resource.port} user #{new_resource.user} #{new_resource.aliases.join(',')} #{new_resource.workers}\n"
    owner new_resource.owner
    sensitive new_resource.sensitive
  end
  execute "echo #{new_resource.ignore_failure} #{new_resource.label}"
end
`},
			recipe: "kit_site 'web' do\n  port '8443'\n  aliases 'www'\n  workers '4'\n  label nil\n  sensitive true\nend\n",
			kind:   "site",
			want: []string{
				`load("//libraries/helpers.star", "kit_user")`,
				`property("owner", str, default="root")`,
				`property("port", (int, str), default=8080)`,
				`property("tls", (bool, dict))`,
				`property("label", (str, bool, None), default="main")`,
				`property("user", str, default=lambda r: kit_user())`,
				`property("pkg", str, default=lambda r: "kit-dev" if node.platform_family == "debian" else "kit-devel")`,
				`property("conf", str, default=lambda r: "%s/%s.conf" % (r.conf_dir, r.name))`,
				`property("root", str, default=lambda r: "/srv/" + r.name)`,
				`property("quiet", bool, default=lambda r: r.sensitive)`,
				`property("mount", str, default=lambda r: "/" + r.map.replace("auto.", "", 1))`,
				`property("aliases", list, default=[], coerce=lambda v: v if type(v) == "list" else [v])`,
				`sensitive=r.sensitive`,
				"# match: a Regexp in Chef, here the pattern's source string (str)\nproperty(\"match\", str)",
				`# slots callbacks: "is positive", "is small"`,
				`property("slots", int, default=2, validate=lambda v: (lambda n: n > 0)(v) and (lambda n: n < 100)(v))`,
			},
		},
		{
			name: "LWRP",
			files: map[string]string{
				"resources/svc.rb": "actions :enable, :disable\ndefault_action :enable\nattribute :svc_name, :kind_of => String, :name_attribute => true\nattribute :port, :kind_of => Integer, :default => 80\n",
				"providers/svc.rb": "use_inline_resources\n\naction :enable do\n  service new_resource.svc_name do\n    action [:enable, :start]\n  end\n  new_resource.updated_by_last_action(true)\nend\n\naction :disable do\n  service @new_resource.svc_name do\n    action :disable\n  end\nend\n",
			},
			recipe: "kit_svc 'web' do\n  port 8080\nend\n",
			kind:   "svc",
			want: []string{`property("svc_name", str, name_property=True)`, `property("port", int, default=80)`,
				"def action_enable(r):\n    service(r.svc_name, action=[\"enable\", \"start\"])", `service(r.svc_name, action="disable")`},
		},
		{
			name:   "definition",
			files:  map[string]string{"definitions/kit_vhost.rb": "define :kit_vhost, port: 80, enable: true do\n  file \"/etc/vhosts/#{params[:name]}\" do\n    content \"port #{params[:port]} #{params[:server_alias]}\\n\"\n    action params[:enable] ? :create : :delete\n  end\nend\n"},
			recipe: "kit_vhost 'a' do\n  port 81\n  server_alias 'b'\nend\n",
			kind:   "vhost",
			want: []string{`property("port", int, default=80)`, `property("enable", bool, default=True)`, `property("server_alias", str)`,
				`content="port %s %s\n" % (r.port, r.server_alias),`, `action="create" if r.enable else "delete",`},
			absent: []string{"params =", "params.get"}, // params[:x] alone reads r.x
		},
		{
			// params whole: the body starts with the dict of its
			// parameters; a key it merges params into, tests or fetches
			// is a property, so is one only a call gives
			name: "definition merging params",
			files: map[string]string{
				"definitions/site.rb":             "define :kit_site, port: 80 do\n  conf = { workers: 4, root: '/srv' }.merge(params)\n  template \"/etc/sites/#{params[:name]}.conf\" do\n    source 'site.conf.erb'\n    variables(conf)\n  end\n  template \"/etc/sites/#{params[:name]}.env\" do\n    source 'site.env.erb'\n    variables params\n  end\nend\n",
				"templates/default/site.conf.erb": "root <%= @root %> workers <%= @workers %> port <%= @port %>\n",
				"templates/default/site.env.erb":  "PORT=<%= @port %>\n",
			},
			recipe: "kit_site 'blog' do\n  workers 8\n  tls true\nend\n",
			kind:   "site",
			want: []string{`property("port", int, default=80)`, `property("workers", int)`, `property("root", str)`, `property("tls", bool)`,
				`params = {"port": r.port}`,
				`params.update({_k: _v for _k, _v in {"workers": r.workers, "root": r.root, "tls": r.tls}.items() if _v != None})`,
				`params["name"] = r.name`,
				`conf = dict({"workers": 4, "root": "/srv"}, **params)`, `variables=conf`, `variables=params`, `"/etc/sites/%s.conf" % r.name`},
		},
		{
			name: "definition walking params",
			files: map[string]string{"definitions/env.rb": `define :kit_env, dir: '/etc/kit' do
  params.each do |key, value|
    file "#{params[:dir]}/#{key}" do
      content value.to_s
    end
  end
  log "limit #{params.fetch(:limit, 10)}"
  log 'quiet' if params.key?(:quiet)
  [:dir, :limit].each do |k|
    log "#{k} #{params[k]}"
  end
end
`},
			recipe: "kit_env 'app' do\n  quiet true\nend\n",
			kind:   "env",
			want: []string{`property("dir", str, default="/etc/kit")`, `property("limit", int)`, `property("quiet", bool)`,
				`params = {"dir": r.dir}`, `for key, value in params.items():`, `"%s/%s" % (r.dir, key)`,
				`params.get("limit", 10)`, `if "quiet" in params:`, `params.get(k)`},
		},
		{
			name: "definition aliasing params",
			files: map[string]string{"definitions/worker.rb": `define :kit_worker do
  opts = params
  file "/etc/workers/#{params[:name]}" do
    content({ threads: 2, queue: 'main' }.merge(opts).map { |k, v| "#{k}: #{v}" }.join("\n"))
  end
end
`},
			recipe: "kit_worker 'mail' do\n  threads 4\nend\n",
			kind:   "worker",
			want: []string{`property("threads", int)`, `property("queue", str)`,
				`params = {_k: _v for _k, _v in {"threads": r.threads, "queue": r.queue}.items() if _v != None}`,
				`params["name"] = r.name`, `opts = params`, `dict({"threads": 2, "queue": "main"}, **opts)`},
		},
		{
			// the body sets elements of params: every read is the dict's,
			// indexed where a default other than nil keeps a value
			name: "definition setting params",
			files: map[string]string{"definitions/job.rb": `define :kit_job, shell: '/bin/sh', log: nil do
  params[:user] ||= 'nobody'
  params[:log] = "/var/log/#{params[:name]}.log" if params[:log].nil?
  file "/etc/jobs/#{params[:name]}" do
    content "#{params[:shell]} #{params[:user]} #{params[:log]}"
  end
end
`},
			recipe: "kit_job 'backup'\n",
			kind:   "job",
			want: []string{`params = {"shell": r.shell, "log": r.log}`, `params.update({_k: _v for _k, _v in {"user": r.user}.items() if _v != None})`,
				"if params.get(\"user\") in (None, False):\n        params[\"user\"] = \"nobody\"",
				`params["log"] = "/var/log/%s.log" % params["name"]`,
				`"/etc/jobs/%s" % params["name"]`, `params["shell"], `, `params.get("user")`, `params.get("log")`},
		},
		{
			name: "untranslatable",
			files: map[string]string{"resources/bad.rb": `
property :a, [String, Proc]
property :b, String, default: lazy { shell_out('hostname').stdout }
property :c, String, coerce: proc { |v| v.downcase + d }
property :d, String
provides :kit_bad, platform: 'ubuntu'

load_current_value do
  x = 'y'
  d shell_out("cat #{x}").stdout
end

action :run do
  converge_by 'doing it' do
    system('true')
  end
  log current_resource.d
  node.default['kit']['ran'] = true
end

action_class do
  puts 'hi'
  def helper
    1
  ensure
    2
  end
end
`},
			recipe: "kit_bad 'x'\n",
			kind:   "bad",
			todos: []string{"property :a", "property :b default: lazy", "property :c coerce:", "provides with options", "shell_out",
				"converge_by", "current_resource", "statement in action_class", "def helper", "node attribute set in an action"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, r := crCookbook(t, tc.files, tc.recipe)
			star, err := os.ReadFile(filepath.Join(out, "cookbooks", "kit", "resources", tc.kind+".star"))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(star), w) {
					t.Errorf("resources/%s.star lacks %q:\n%s", tc.kind, w, star)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(string(star), a) {
					t.Errorf("resources/%s.star has %q:\n%s", tc.kind, a, star)
				}
			}
			var got []string
			for _, td := range r.Todos {
				got = append(got, td.Construct)
			}
			for _, w := range tc.todos {
				found := false
				for _, g := range got {
					found = found || strings.HasPrefix(g, w)
				}
				if !found {
					t.Errorf("no TODO for %q; got %q", w, got)
				}
			}
			if len(tc.todos) == 0 && len(got) > 0 {
				t.Errorf("TODOs: %q\n%s", got, star)
			}
			err = compileTest(t, out, false)
			var te *recipe.TodoError
			switch {
			case len(tc.todos) == 0 && err != nil:
				t.Errorf("the migrated test cookbook does not compile: %v\n%s", err, star)
			case len(tc.todos) > 0 && !errors.As(err, &te):
				t.Errorf("compile without --allow-todo: %v, want the TODO markers refused", err)
			}
		})
	}
}

// TestMigrate_KindNames: a kind keeps its Chef name when it starts with
// the cookbook's; otherwise it is renamed after the cookbook, and the
// recipes migrated with it call the new name.
func TestMigrate_KindNames(t *testing.T) {
	for _, tc := range []struct{ cookbook, chef, kind, stem string }{
		{"sysctl", "sysctl_param", "sysctl_param", "param"},
		{"apache", "apache", "apache", "default"},
		{"line", "append_if_missing", "line_append_if_missing", "append_if_missing"},
		{"line", "line_", "line_line_", "line_"},
	} {
		kind, stem, renamed := kindName(tc.cookbook, tc.chef)
		if kind != tc.kind || stem != tc.stem || renamed != (tc.kind != tc.chef) {
			t.Errorf("kindName(%q, %q) = %q, %q, %v; want %q, %q", tc.cookbook, tc.chef, kind, stem, renamed, tc.kind, tc.stem)
		}
	}
	out, r := crCookbook(t, map[string]string{"resources/edit.rb": "resource_name :edit_file\nproperty :text, String\naction :go do\n  file name do\n    content text\n  end\nend\n"},
		"edit_file '/tmp/x' do\n  text 'hi'\nend\nexecute 'after' do\n  command 'true'\n  subscribes :run, 'edit_file[/tmp/x]'\nend\n")
	rc, _ := os.ReadFile(filepath.Join(out, "cookbooks", "kit_test", "recipes", "default.star"))
	if !strings.Contains(string(rc), `kit_edit_file("/tmp/x", text="hi")`) || !strings.Contains(string(rc), `"kit_edit_file[/tmp/x]"`) {
		t.Errorf("the test recipe does not call the renamed kind:\n%s", rc)
	}
	if _, err := os.Stat(filepath.Join(out, "cookbooks", "kit", "resources", "edit_file.star")); err != nil {
		t.Error(err)
	}
	if len(r.Warnings) == 0 || !strings.Contains(strings.Join(r.Warnings, "\n"), "kit_edit_file") {
		t.Errorf("no warning about the rename: %q", r.Warnings)
	}
	if err := compileTest(t, out, false); err != nil {
		t.Error(err)
	}
}

// TestMigrate_DefinitionParamsWhole: a definition's body reading params
// whole sees what Chef's Hash holds, in its order: the defaults of
// define, what the call gives (a parameter the body never names
// included), the name last; a key the call leaves out is absent. A body
// that sets elements of params reads them back.
func TestMigrate_DefinitionParamsWhole(t *testing.T) {
	type file struct{ content, owner string }
	for _, tc := range []struct {
		name, def, recipe string
		files             map[string]file // by address, among the inner resources
	}{
		{
			name: "merged and walked",
			def: `define :kit_motd, greeting: 'hello', lines: 2 do
  settings = { color: 'plain', width: 80 }.merge(params)
  text = []
  settings.each do |k, v|
    text << "#{k}=#{v}"
  end
  file "/etc/motd.d/#{params[:name]}" do
    content text.join("\n") + "\n"
    owner params.fetch(:owner, 'root')
    action params.key?(:remove) ? :delete : :create
  end
  [:greeting, :lines].each do |key|
    file "/etc/motd.d/#{params[:name]}.#{key}" do
      content params[key].to_s
    end
  end
end
`,
			recipe: "kit_motd 'welcome' do\n  width 100\n  owner 'ops'\n  banner 'none'\nend\n",
			files: map[string]file{
				"file[/etc/motd.d/welcome]":          {"color=plain\nwidth=100\ngreeting=hello\nlines=2\nowner=ops\nbanner=none\nname=welcome\n", "ops"},
				"file[/etc/motd.d/welcome.greeting]": {"hello", ""},
				"file[/etc/motd.d/welcome.lines]":    {"2", ""},
			},
		},
		{
			name: "elements set",
			def: `define :kit_dirfile, port: 1 do
  params[:user] ||= 'www'
  params[:port] ||= 9
  params[:path] = "/srv/#{params[:name]}"
  file params[:path] do
    content "#{params[:user]} #{params[:port]} #{params.size}"
  end
end
`,
			recipe: "kit_dirfile 'a' do\n  port 2\nend\nkit_dirfile 'b' do\n  user 'ops'\nend\n",
			files: map[string]file{
				"file[/srv/a]": {"www 2 4", ""},
				"file[/srv/b]": {"ops 1 4", ""},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, r := crCookbook(t, map[string]string{"definitions/d.rb": tc.def}, tc.recipe)
			if len(r.Todos) > 0 {
				t.Fatalf("TODOs: %v", r.Todos)
			}
			c, err := compileTestRun(t, out, false)
			if err != nil {
				t.Fatal(err)
			}
			inner := map[string]engine.Resource{}
			var walk func([]engine.Resource)
			walk = func(rs []engine.Resource) {
				for _, res := range rs {
					inner[res.Base().Key()] = res
					if cu, ok := res.(*engine.Custom); ok {
						for _, a := range cu.InnerActions() {
							walk(cu.Inner(a))
						}
					}
				}
			}
			walk(c.Resources)
			for addr, want := range tc.files {
				res, ok := inner[addr]
				if !ok {
					t.Errorf("no %s among %v", addr, sortedKeys(inner))
					continue
				}
				f := res.(*resources.File)
				if f.Content != want.content {
					t.Errorf("%s content %q, want %q", addr, f.Content, want.content)
				}
				if want.owner != "" && f.Owner != want.owner {
					t.Errorf("%s owner %q, want %q", addr, f.Owner, want.owner)
				}
				if a := f.Base().Actions; len(a) != 1 || a[0] != "create" {
					t.Errorf("%s actions %v, want create (the call gives no remove)", addr, a)
				}
			}
		})
	}
}

// TestMigrate_CustomPropertyValues: the properties a migrated kind
// computes (lazy defaults from a library helper, the node and other
// properties; coerce; a partial's; an explicit nil for a property that
// allows it) have the values Chef gives them.
func TestMigrate_CustomPropertyValues(t *testing.T) {
	files := map[string]string{
		"libraries/names.rb":           "module Kit\n  module Names\n    def kit_group\n      platform?('ubuntu') ? 'staff' : 'wheel'\n    end\n  end\nend\n",
		"resources/_partial/_paths.rb": "property :base, String, default: '/opt/kit'\n",
		"resources/app.rb": `use '_partial/paths'
property :group, String, default: lazy { kit_group }
property :logdir, String, default: lazy { ::File.join(base, 'log') }
property :unit, String, default: lazy { |r| "kit-#{r.name}" }
property :ports, Array, coerce: proc { |v| v.is_a?(Array) ? v : [v] }
property :env, Hash, default: {}, coerce: proc { |v| v.each_with_object({}) { |(k, x), m| m[k.to_s.upcase] = x.to_s } }
property :level, [Integer, String], default: 1
property :mark, [String, nil], default: 'x'
property :slots, Integer, default: 2, callbacks: { 'must be positive' => ->(n) { n > 0 } }
property :svc, String, default: lazy {
  case node['platform_family']
  when 'debian'
    'kit-d'
  when 'rhel'
    'kitd' if node['platform_version'].to_i >= 8
  end
}
action :run do
  execute "start #{new_resource.unit}"
end
`,
	}
	for _, tc := range []struct {
		recipe string
		want   map[string]any // nil: compiling fails with err
		err    string
	}{
		{"kit_app 'c' do\n  slots 0\nend\n", nil, `kit_test/recipes/default.star:\d+:\d+: kit_app\[c\]: property slots: 0 fails the kind's validate function`},
		{"kit_app 'a'\n", map[string]any{"base": "/opt/kit", "group": "staff", "logdir": "/opt/kit/log", "unit": "kit-a", "ports": nil, "env": map[string]any{}, "level": int64(1), "mark": "x", "svc": "kit-d", "slots": int64(2)}, ""},
		{"kit_app 'b' do\n  base '/srv'\n  ports 80\n  env 'path' => '/bin', 'n' => 2\n  level 'debug'\n  mark nil\nend\n",
			map[string]any{"base": "/srv", "group": "staff", "logdir": "/srv/log", "unit": "kit-b", "ports": []any{int64(80)}, "env": map[string]any{"PATH": "/bin", "N": "2"}, "level": "debug", "mark": nil, "svc": "kit-d", "slots": int64(2)}, ""},
	} {
		out, r := crCookbook(t, files, tc.recipe)
		if len(r.Todos) > 0 {
			t.Errorf("%s: TODOs %v", tc.recipe, r.Todos)
		}
		if _, err := os.Stat(filepath.Join(out, "cookbooks", "kit", "resources", "_paths.star")); err == nil {
			t.Errorf("the partial was written as a kind")
		}
		c, err := compileTestRun(t, out, false)
		if tc.want == nil {
			if err == nil || !regexp.MustCompile(tc.err).MatchString(err.Error()) {
				t.Errorf("%s: error %v\nwant %s", tc.recipe, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.recipe, err)
		}
		cu, ok := c.Resources[0].(*engine.Custom)
		if !ok {
			t.Fatalf("%s: resource 0 is %T", tc.recipe, c.Resources[0])
		}
		got := map[string]any{}
		for _, p := range cu.Props {
			got[p.Name] = p.Value
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tc.recipe, got, tc.want)
		}
	}
}

// TestMigrate_CustomNumericProperties: Chef's Float and Numeric
// properties are float and (int, float), and take the values Chef's do.
func TestMigrate_CustomNumericProperties(t *testing.T) {
	files := map[string]string{"resources/rel.rb": `property :release, Float, default: 1.0
property :weight, Numeric, default: 3
property :seen, [Float, String, nil]
action :pin do
  file "/etc/kit-#{new_resource.release}" do
    content "#{new_resource.weight}"
  end
end
`}
	for _, tc := range []struct {
		recipe string
		want   map[string]any
		file   string
	}{
		{"kit_rel 'a'\n", map[string]any{"release": 1.0, "weight": int64(3), "seen": nil}, "file[/etc/kit-1.0]"},
		{"kit_rel 'b' do\n  release 2.5\n  weight 0.75\n  seen '2.4'\nend\n", map[string]any{"release": 2.5, "weight": 0.75, "seen": "2.4"}, "file[/etc/kit-2.5]"},
	} {
		cu, got := migratedCustom(t, files, tc.recipe)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tc.recipe, got, tc.want)
		}
		var inner []string
		for _, rs := range cu.InnerRes {
			for _, x := range rs {
				inner = append(inner, x.Base().Address())
			}
		}
		if !slices.Contains(inner, tc.file) {
			t.Errorf("%s: inner resources %v, want %s", tc.recipe, inner, tc.file)
		}
	}
}

// TestMigrate_CoerceCallsLaterMethod: a coerce proc and a lazy default
// call the kind's own methods, defined after the properties (below a
// private); a coerce with a plain default still reaches them. A method
// that reads the resource is out of a coerce's reach: a TODO.
func TestMigrate_CoerceCallsLaterMethod(t *testing.T) {
	files := map[string]string{"resources/rc.rb": `property :path, String, name_property: true, coerce: proc { |p| expand(p) }
property :home, String, default: 'here', coerce: proc { |p| expand(p) }
property :conf, String, default: lazy { conf_in(home) }
action :write do
  file path do
    content conf
  end
end

private

def expand(where)
  where == 'here' ? ::File.join('/home', 'kit') : where
end

def conf_in(dir)
  "#{dir}/kit.conf"
end
`}
	for _, tc := range []struct {
		recipe string
		want   map[string]any
	}{
		{"kit_rc 'here'\n", map[string]any{"path": "/home/kit", "home": "/home/kit", "conf": "/home/kit/kit.conf"}},
		{"kit_rc '/etc/kit' do\n  home '/srv'\nend\n", map[string]any{"path": "/etc/kit", "home": "/srv", "conf": "/srv/kit.conf"}},
	} {
		_, got := migratedCustom(t, files, tc.recipe)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tc.recipe, got, tc.want)
		}
	}
	reads := map[string]string{"resources/rc.rb": `property :base, String, default: '/srv'
property :sub, String, coerce: proc { |v| under(v) }
action :write do
  directory sub
end

def under(v)
  ::File.join(base, v)
end
`}
	_, r := crCookbook(t, reads, "kit_rc 'x' do\n  sub 'a'\nend\n")
	if len(r.Todos) != 1 || !strings.Contains(r.Todos[0].Why, "a method of the kind that reads the resource") {
		t.Errorf("a coerce calling a method that reads the resource: TODOs %v", r.Todos)
	}
}

// TestMigrate_LogAtTheEndOfABody: a Chef::Log call that ends a method or
// an action, bare or under a modifier if, is a statement (the log
// resource), not the body's value.
func TestMigrate_LogAtTheEndOfABody(t *testing.T) {
	files := map[string]string{"resources/lg.rb": `property :loud, [true, false], default: false
action :run do
  write_marker(new_resource.loud)
  Chef::Log.warn('kit ran loudly') if new_resource.loud
end

action_class do
  def write_marker(loud)
    file '/tmp/kit-marker'
    Chef::Log.info('marker written') if loud
    Chef::Log.debug('quietly') unless loud
  end
end
`}
	for _, tc := range []struct {
		recipe string
		want   []string
	}{
		{"kit_lg 'a'\n", []string{"file[/tmp/kit-marker]", "log[quietly]"}},
		{"kit_lg 'b' do\n  loud true\nend\n", []string{"file[/tmp/kit-marker]", "log[marker written]", "log[kit ran loudly]"}},
	} {
		out, r := crCookbook(t, files, tc.recipe)
		if len(r.Todos) > 0 {
			t.Errorf("%s: TODOs %v", tc.recipe, r.Todos)
		}
		c, err := compileTestRun(t, out, false)
		if err != nil {
			t.Fatalf("%s: %v", tc.recipe, err)
		}
		cu, ok := c.Resources[0].(*engine.Custom)
		if !ok {
			t.Fatalf("%s: resource 0 is %T", tc.recipe, c.Resources[0])
		}
		var inner []string
		for _, rs := range cu.InnerRes {
			for _, x := range rs {
				inner = append(inner, x.Base().Address())
			}
		}
		if !reflect.DeepEqual(inner, tc.want) {
			t.Errorf("%s: inner resources %v, want %v", tc.recipe, inner, tc.want)
		}
	}
}

// TestPartialPath: `use NAME` reads NAME's directory under resources/
// and its base name with one leading underscore, as Chef does.
func TestPartialPath(t *testing.T) {
	for _, tc := range []struct{ use, want string }{
		{"_partial/_common", "resources/_partial/_common.rb"},
		{"_partial/common", "resources/_partial/_common.rb"},
		{"shared.rb", "resources/_shared.rb"},
		{"_base", "resources/_base.rb"},
	} {
		if got := partialPath(tc.use); got != tc.want {
			t.Errorf("partialPath(%q) = %q, want %q", tc.use, got, tc.want)
		}
	}
}

// TestTypeExpr: Chef's property types, one or a list, as converge's.
func TestTypeExpr(t *testing.T) {
	for _, tc := range []struct{ src, want, why string }{
		{"property :a, String", "str", ""},
		{"property :a, [TrueClass, FalseClass, Array]", "(bool, list)", ""},
		{"property :a, [true, false]", "bool", ""},
		{"property :a, [Integer, String], default: 1", "(int, str)", ""},
		{"property :a, [String, NilClass, FalseClass]", "(str, bool, None)", ""},
		{"property :a, [String, nil]", "(str, None)", ""},
		{"property :a, [Symbol, String]", "str", ""},
		{"property :file_mode, [String, Integer]", "mode", ""},
		{"property :file_mode, [String, Integer, nil]", `("mode", None)`, ""},
		{"property :a, [String, Regexp]", "str", ""},
		{"property :a, [String, Proc]", "", "the type Proc has no converge property type"},
		{"property :a, [nil]", "", "a property whose only type is nil"},
		{"property :release, Float, default: 2.5", "float", ""},
		{"property :a, Numeric", "(int, float)", ""},
		{"property :a, [Numeric, String, nil]", "(int, float, str, None)", ""},
		{"property :a, [Float, Integer, nil]", "(float, int, None)", ""},
		{"property :a, default: 0.5", "float", ""},
	} {
		stmts, _ := ruby.Parse(tc.src)
		c := stmts[0].X.(*ruby.CallExpr)
		name := c.Args[0].(*ruby.SymLit).Name
		got, why := propType(name, c.Args[1:])
		if got != tc.want || why != tc.why {
			t.Errorf("%s: %q, %q; want %q, %q", tc.src, got, why, tc.want, tc.why)
		}
	}
}

// TestMigrate_KindUserWithoutMetadata: a test cookbook without metadata
// depends on the cookbooks whose kinds its recipes declare (as on those
// it includes), so the kinds are in reach.
func TestMigrate_KindUserWithoutMetadata(t *testing.T) {
	src := filepath.Join(t.TempDir(), "kit")
	for p, s := range map[string]string{
		"metadata.rb":       "name 'kit'\nversion '1.0.0'\n",
		"resources/note.rb": "property :text, String\naction :write do\n  file \"/tmp/#{new_resource.name}\" do\n    content new_resource.text\n  end\nend\n",
		"test/fixtures/cookbooks/test/recipes/default.rb": "kit_note 'a' do\n  text 'hello'\nend\n",
	} {
		if err := writeFile(filepath.Join(src, p), []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	if _, err := Migrate([]string{src}, out); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(out, "cookbooks", "test", "metadata.star"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), `"kit"`) {
		t.Errorf("test's metadata does not depend on kit:\n%s", md)
	}
	repo, err := recipe.LoadRepo([]string{filepath.Join(out, "cookbooks")})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := cfacts.ForPlatform("debian-12")
	if _, err := repo.Compile(recipe.Input{Name: f.Hostname, Facts: f, Normal: map[string]any{}, RunList: []string{"test::default"},
		Cluster: []recipe.ClusterMember{{Name: f.Hostname, Facts: f}}}); err != nil {
		t.Error(err)
	}
}
