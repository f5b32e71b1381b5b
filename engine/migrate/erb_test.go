package migrate

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/render"
)

// rubyErubis renders a template as Chef does, with Erubis::Eruby and its
// default trimming (Chef's lib/chef/mixin/template.rb): the variables
// become instance variables and node a hash that, like Chef's node
// attributes, answers symbol keys and method calls.
const rubyErubis = `
require 'erubis'
require 'json'
class Attrs < Hash
  def self.wrap(v)
    case v
    when Hash then h = Attrs.new; v.each { |k, x| h.store(k, wrap(x)) }; h
    when Array then v.map { |x| wrap(x) }
    else v
    end
  end
  def self.k(k) k.is_a?(Symbol) ? k.to_s : k end
  def [](k) super(Attrs.k(k)) end
  def fetch(k, *a) super(Attrs.k(k), *a) end
  def key?(k) super(Attrs.k(k)) end
  alias_method :has_key?, :key?
  alias_method :include?, :key?
  alias_method :member?, :key?
  def method_missing(m, *a) key?(m.to_s) ? self[m.to_s] : super end
  def respond_to_missing?(m, p = false) key?(m.to_s) || super end
end
data = JSON.parse(File.read(ARGV[0]))
tmpl = File.read(ARGV[1])
ctx = Object.new
(data['vars'] || {}).each { |k, v| ctx.instance_variable_set("@#{k}", Attrs.wrap(v)) }
node = Attrs.wrap(data['node'] || {})
ctx.define_singleton_method(:node) { node }
$stdout.write Erubis::Eruby.new(tmpl).evaluate(ctx)
`

// needErubis returns the ruby command when Ruby and Erubis are installed;
// without them the test is skipped, or fails when CONVERGE_E2E=1.
func needErubis(t *testing.T) string {
	t.Helper()
	ruby, err := exec.LookPath("ruby")
	if err == nil {
		err = exec.Command(ruby, "-rerubis", "-e", "Erubis::Eruby").Run()
	}
	if err != nil {
		if os.Getenv("CONVERGE_E2E") == "1" {
			t.Fatalf("ruby with erubis is needed and CONVERGE_E2E=1 (%v): install Debian's ruby-erubis (.ci/setup)", err)
		}
		t.Skipf("ruby with erubis is not installed (%v); the ERB oracle tests need Debian's ruby-erubis (set CONVERGE_E2E=1 to make this a failure)", err)
	}
	return ruby
}

// renderWithRuby runs Erubis on tmplPath with the data file.
func renderWithRuby(t *testing.T, ruby, tmplPath, dataPath string) string {
	t.Helper()
	script := filepath.Join(t.TempDir(), "erubis.rb")
	if err := os.WriteFile(script, []byte(rubyErubis), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(ruby, script, dataPath, tmplPath)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("erubis %s: %v\n%s", tmplPath, err, stderr.String())
	}
	return string(out)
}

// loadData reads a {"vars": {...}, "node": {...}} file as Starlark would
// hand it to render: integers as int64, floats as float64.
func loadData(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	data := map[string]any{}
	if vars, ok := fromJSON(raw["vars"]).(map[string]any); ok {
		for k, v := range vars {
			data[k] = v
		}
	}
	node, _ := fromJSON(raw["node"]).(map[string]any)
	if node == nil {
		node = map[string]any{}
	}
	data["node"] = node
	return data
}

func fromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil && !strings.ContainsAny(string(x), ".eE") {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[i] = fromJSON(el)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, el := range x {
			out[k] = fromJSON(el)
		}
		return out
	}
	return v
}

// checkFidelity translates one ERB template and compares converge's
// rendering with Erubis's, byte for byte.
func checkFidelity(t *testing.T, ruby, tmplPath, dataPath string, allowIssues bool) {
	t.Helper()
	src, err := os.ReadFile(tmplPath)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := TranslateERB(string(src))
	var ee *ERBError
	if errors.As(err, &ee) && !allowIssues {
		allowIssues = true
		for _, is := range ee.Issues {
			if !strings.HasPrefix(is.Why, "hash order") {
				allowIssues = false
			}
		}
	}
	if err != nil && !(allowIssues && errors.As(err, &ee)) {
		t.Fatalf("translate %s: %v", tmplPath, err)
	}
	got, err := render.Render(tmplPath, tmpl, loadData(t, dataPath))
	if err != nil {
		t.Fatalf("render %s: %v\ntranslated:\n%s", tmplPath, err, tmpl)
	}
	want := renderWithRuby(t, ruby, tmplPath, dataPath)
	if string(got) != want {
		t.Errorf("%s: converge and Erubis differ\n--- erubis\n%s\n--- converge\n%s\n--- translated\n%s", tmplPath, want, got, tmpl)
	}
}

func TestERB_RendersLikeErubis(t *testing.T) {
	ruby := needErubis(t)
	files, _ := filepath.Glob("../../testdata/migrate/erb/*.erb")
	if len(files) == 0 {
		t.Fatal("no templates in testdata/migrate/erb")
	}
	for _, f := range files {
		f := f
		t.Run(filepath.Base(f), func(t *testing.T) {
			checkFidelity(t, ruby, f, strings.TrimSuffix(f, ".erb")+".json", true)
		})
	}
}
