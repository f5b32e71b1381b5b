package recipe_test

import (
	"reflect"
	"regexp"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/resources"
)

// propsOf returns the property values of the first resource, a custom one.
func propsOf(t *testing.T, c *engine.Collection) map[string]any {
	t.Helper()
	got := map[string]any{}
	for _, p := range customOf(t, c, 0).Props {
		got[p.Name] = p.Value
	}
	return got
}

// TestCompile_CustomPropertyOfSeveralTypes: a property given a tuple or
// list of types takes a value of any of them; an error names them all.
// None given for a property that lists None is a value (it overrides the
// default); for another it leaves the property unset.
func TestCompile_CustomPropertyOfSeveralTypes(t *testing.T) {
	kind := `property("port", (int, str), default=8000)
property("bridge", [bool, list])
property("label", (str, None), default="none")
property("secret", (int, str), sensitive=True)
def action_x(r): pass
`
	for _, tc := range []struct {
		recipe string
		want   map[string]any // nil: an error matching err
		err    string
	}{
		{`t_k("a")`, map[string]any{"port": int64(8000), "bridge": nil, "label": "none", "secret": nil}, ""},
		{`t_k("a", port=None)`, map[string]any{"port": int64(8000), "bridge": nil, "label": "none", "secret": nil}, ""},
		{`t_k("b", port="http", bridge=True, label="x")`, map[string]any{"port": "http", "bridge": true, "label": "x", "secret": nil}, ""},
		{`t_k("c", bridge=("eth0", "eth1"), label=None)`, map[string]any{"port": int64(8000), "bridge": []any{"eth0", "eth1"}, "label": nil, "secret": nil}, ""},
		{`t_k("d", port=True)`, nil, `default.star:1:\d+: t_k\[d\]: property port: want one of int, str, got bool \(True\)`},
		{`t_k("e", bridge="br0")`, nil, `property bridge: want one of bool, list, got string`},
		{`t_k("f", secret=[1])`, nil, `property secret: want one of int, str, got list \(\(sensitive\)\)`},
	} {
		wantProps(t, tc.recipe, map[string]string{"resources/k.star": kind}, tc.want, tc.err)
	}
}

// TestCompile_CustomFloatProperty: a float property takes a float and,
// as Chef's Float, not an int; (int, float), Chef's Numeric, takes both.
func TestCompile_CustomFloatProperty(t *testing.T) {
	kind := `property("version", float, default=6.0)
property("ratio", (int, float, str, None))
def action_x(r):
    file("/tmp/v%s" % r.version, content=str(r.ratio))
`
	for _, tc := range []struct {
		recipe string
		want   map[string]any // nil: an error matching err
		err    string
	}{
		{`t_k("a")`, map[string]any{"version": 6.0, "ratio": nil}, ""},
		{`t_k("b", version=7.5, ratio=2)`, map[string]any{"version": 7.5, "ratio": int64(2)}, ""},
		{`t_k("c", ratio=0.25)`, map[string]any{"version": 6.0, "ratio": 0.25}, ""},
		{`t_k("d", ratio="half")`, map[string]any{"version": 6.0, "ratio": "half"}, ""},
		{`t_k("g", ratio=node["r"])`, map[string]any{"version": 6.0, "ratio": 1.5}, ""},
		{`t_k("e", version=7)`, nil, `default.star:1:\d+: t_k\[e\]: property version: want a float, got int \(7\)`},
		{`t_k("f", version="7.0")`, nil, `property version: want a float, got string`},
	} {
		wantProps(t, tc.recipe, map[string]string{"resources/k.star": kind, "attributes/default.star": "default[\"r\"] = 1.5\n"}, tc.want, tc.err)
	}
}

// TestCompile_CustomFloatCurrentValue: a current value of a float
// property read as a string or a whole number compares as the float.
func TestCompile_CustomFloatCurrentValue(t *testing.T) {
	kind := `property("version", float, default=6.0)
def probes(r):
    return {"cur": "cat /etc/version"}
def load_current(r, out):
    return json.decode(out["cur"].stdout)
def action_set(r):
    execute("set version", command="echo %s > /etc/version" % r.version)
`
	c := mustCompile(t, `t_k("v")`, map[string]string{"resources/k.star": kind})
	x := customOf(t, c, 0)
	for _, tc := range []struct {
		stdout string
		want   any
	}{
		{`{"version": "6.5"}`, 6.5},
		{`{"version": 6}`, 6.0},
		{`{"version": 5.5}`, 5.5},
		{`{"version": "six"}`, "six"},
	} {
		cur, _, err := x.LoadCurrent(map[string]engine.ShellResult{"cur": {Stdout: tc.stdout}})
		if err != nil || cur["version"] != tc.want {
			t.Errorf("%s: current %#v, %v; want %#v", tc.stdout, cur["version"], err, tc.want)
		}
	}
	p := engine.NewProbed()
	p.SetShell("cat /etc/version", engine.ShellResult{Stdout: `{"version": 6}`})
	if d, err := x.Check("set", p); err != nil || !d.Empty() {
		t.Errorf("6 read for 6.0: %q, %v; want up to date", d.Changes, err)
	}
}

// TestCompile_CustomPropertyTypeErrors: a bad type list is an error at
// the property's line.
func TestCompile_CustomPropertyTypeErrors(t *testing.T) {
	for _, tc := range []struct{ kind, want string }{
		{`property("a", (int, tuple))`, `k.star:1:\d+: property "a": type tuple is not one of str, int, float,`},
		{`property("a", float, default=6)`, `k.star:1:\d+: property "a": default: want a float, got int \(6\)`},
		{`property("a", (None,))`, `k.star:1:\d+: property "a": give at least one type besides None`},
		{`property("a", (str, int), name_property=True)`, `name property "a" must be of type str or "path", not str or int`},
		{`property("a", (int, bool), default="x")`, `k.star:1:\d+: property "a": default: want one of int, bool, got string`},
		{`property("a", str, coerce="upper")`, `coerce must be a function of the value, got string`},
	} {
		_, err := compileRecipe(t, `t_k("n")`, map[string]string{"resources/k.star": tc.kind + "\ndef action_x(r): pass\n"})
		if err == nil || !regexp.MustCompile(tc.want).MatchString(err.Error()) {
			t.Errorf("%s: error %v\nwant %s", tc.kind, err, tc.want)
		}
	}
}

// lazyKind computes defaults from the resource: its name, another
// property (given, a plain default, or itself computed, declared earlier
// or later), and the node.
const lazyKind = `property("id", str, name_property=True)
property("conf", str, default=lambda r: "/etc/%s.conf" % r.id)
property("logdir", str, default=lambda r: r.root + "/log")
property("root", str, default=lambda r: "/srv/" + r.id)
property("port", int, default=lambda r: r.base_port + 1)
property("base_port", int, default=8000)
property("pkg", str, default=lambda r: "ssl-dev" if node.platform_family == "debian" else "ssl-devel")
property("quiet", bool, default=lambda r: r.sensitive)

def action_x(r):
    execute("start " + r.id, command="run -c %s -l %s -p %d" % (r.conf, r.logdir, r.port))
`

// TestCompile_CustomLazyDefaults: a default that is a function of the
// resource is computed once the caller's properties are set, and reads
// the values the caller gave.
func TestCompile_CustomLazyDefaults(t *testing.T) {
	for _, tc := range []struct {
		recipe string
		want   map[string]any
	}{
		{`t_k("web")`, map[string]any{"id": "web", "conf": "/etc/web.conf", "logdir": "/srv/web/log", "root": "/srv/web",
			"port": int64(8001), "base_port": int64(8000), "pkg": "ssl-devel", "quiet": false}},
		{`t_k("db", root="/data", base_port=5000, conf="/c", sensitive=True)`, map[string]any{"id": "db", "conf": "/c", "logdir": "/data/log", "root": "/data",
			"port": int64(5001), "base_port": int64(5000), "pkg": "ssl-devel", "quiet": true}},
		{`t_k("x", port=1, id="y")`, map[string]any{"id": "y", "conf": "/etc/y.conf", "logdir": "/srv/y/log", "root": "/srv/y",
			"port": int64(1), "base_port": int64(8000), "pkg": "ssl-devel", "quiet": false}},
	} {
		c, err := compileRecipe(t, tc.recipe, map[string]string{"resources/k.star": lazyKind})
		if err != nil {
			t.Errorf("%s: %v", tc.recipe, err)
			continue
		}
		got := propsOf(t, c)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tc.recipe, got, tc.want)
		}
		cr := customOf(t, c, 0)
		if set := cr.Props[1].Set; set != (got["conf"] == "/c") {
			t.Errorf("%s: conf set %v; a computed default is not a set property", tc.recipe, set)
		}
		if in := cr.Inner("x"); len(in) != 1 || in[0].Base().Address() != "execute[start "+got["id"].(string)+"]" {
			t.Errorf("%s: inner %v", tc.recipe, in)
		}
	}
}

// TestCompile_CustomLazyDefaultErrors: a default function that fails, or
// returns a value of another type, or reads itself, is an error naming
// the property, at the caller's line or the function's.
func TestCompile_CustomLazyDefaultErrors(t *testing.T) {
	for _, tc := range []struct{ kind, want string }{
		{`property("a", int, default=lambda r: "x")`, `default.star:2:\d+: t_k\[n\]: property a: default: want an int, got string`},
		{`property("a", str, default=lambda r: r.nope)`, `k.star:1:\d+: .*has no .nope .*\n.*computing the default of property a of t_k\[n\]`},
		{"property(\"a\", str, default=lambda r: r.b)\nproperty(\"b\", str, default=lambda r: r.a)", `k.star:2:\d+: the default of property a of t_k reads itself.*\n.*computing the default of property b`},
		{`property("a", str, default=lambda r: "z", one_of=["x", "y"])`, `property a: default: "z" is not one of "x", "y"`},
		{`property("a", str, default=lambda: "x")`, `k.star:1:\d+: property "a": a default function takes one parameter, the resource`},
	} {
		_, err := compileRecipe(t, "\nt_k(\"n\")", map[string]string{"resources/k.star": tc.kind + "\ndef action_x(r): r.a\n"})
		if err == nil || !regexp.MustCompile(tc.want).MatchString(err.Error()) {
			t.Errorf("%s: error %v\nwant %s", tc.kind, err, tc.want)
		}
	}
}

// TestCompile_CustomCoerce: coerce turns the value given (a default, and
// the name a name property takes) before the type check.
func TestCompile_CustomCoerce(t *testing.T) {
	kind := `property("id", str, name_property=True, coerce=lambda v: v.lower())
property("items", list, default="one", coerce=lambda v: v if type(v) == "list" else [v])
property("port", str, coerce=lambda v: str(v))
property("count", int, default=lambda r: "7", coerce=lambda v: int(v))
def action_x(r): pass
`
	for _, tc := range []struct {
		recipe string
		want   map[string]any
		err    string
	}{
		{`t_k("A")`, map[string]any{"id": "a", "items": []any{"one"}, "port": nil, "count": int64(7)}, ""},
		{`t_k("b", items="x", port=80, count="3")`, map[string]any{"id": "b", "items": []any{"x"}, "port": "80", "count": int64(3)}, ""},
		{`t_k("c", id="Cee", items=["p", "q"], port="81")`, map[string]any{"id": "cee", "items": []any{"p", "q"}, "port": "81", "count": int64(7)}, ""},
		{`t_k("d", count="many")`, nil, `default.star:1:\d+: t_k\[d\]: property count: coerce: .*invalid literal`},
	} {
		wantProps(t, tc.recipe, map[string]string{"resources/k.star": kind}, tc.want, tc.err)
	}
}

// TestCompile_CustomReadsCommonProperties: an action reads the properties
// every resource has, as its caller gave them.
func TestCompile_CustomReadsCommonProperties(t *testing.T) {
	kind := `def action_x(r):
    execute("e", command="echo %s %s %d %d" % (r.sensitive, r.ignore_failure, r.retries, r.retry_delay), sensitive=r.sensitive)
`
	for _, tc := range []struct{ recipe, want string }{
		{`t_k("a")`, "echo False False 0 0"},
		{`t_k("a", sensitive=True, ignore_failure=True, retries=2, retry_delay=5)`, "echo True True 2 5"},
	} {
		c := mustCompile(t, tc.recipe, map[string]string{"resources/k.star": kind})
		in := customOf(t, c, 0).Inner("x")
		ex, ok := in[0].(*resources.Execute)
		if !ok {
			t.Fatalf("inner %T", in[0])
		}
		if ex.Command != tc.want {
			t.Errorf("%s: command %q, want %q", tc.recipe, ex.Command, tc.want)
		}
	}
}

// TestCompile_CustomCurrentValueOfSeveralTypes: a current value read for
// a property of several types is converted to the type of the desired
// value, so "80" read for a desired 80 is up to date.
func TestCompile_CustomCurrentValueOfSeveralTypes(t *testing.T) {
	kind := `property("port", (int, str))
def probes(r): return {"p": "cat /p"}
def load_current(r, out): return {"port": out["p"].stdout.strip()}
def action_x(r): execute("set")
`
	for _, tc := range []struct {
		recipe string
		want   any
	}{
		{`t_k("a", port=80)`, int64(80)},
		{`t_k("a", port="80")`, "80"},
	} {
		c := mustCompile(t, tc.recipe, map[string]string{"resources/k.star": kind})
		cur, _, err := customOf(t, c, 0).LoadCurrent(map[string]engine.ShellResult{"p": {Stdout: "80\n"}})
		if err != nil || cur["port"] != tc.want {
			t.Errorf("%s: current %#v, %v; want %#v", tc.recipe, cur["port"], err, tc.want)
		}
	}
}

// TestCompile_CustomResourceAsTemplateData: an action may pass its
// resource to a template (Chef's variables(config: new_resource)): the
// template sees the dict of its properties.
func TestCompile_CustomResourceAsTemplateData(t *testing.T) {
	kind := `property("port", (int, str), default=80)
def action_x(r):
    template("/etc/site.conf", source="site.tmpl", variables={"cfg": r})
`
	c := mustCompile(t, `t_k("web", port="8080")`, map[string]string{"resources/k.star": kind, "templates/site.tmpl": "{{.cfg.name}} {{.cfg.port}}\n"})
	tm, ok := customOf(t, c, 0).Inner("x")[0].(*resources.Template)
	if !ok {
		t.Fatalf("inner %T", customOf(t, c, 0).Inner("x")[0])
	}
	want := map[string]any{"name": "web", "port": "8080", "cookbook_name": "t", "sensitive": false, "ignore_failure": false, "retries": int64(0), "retry_delay": int64(0)}
	if got := tm.Variables["cfg"]; !reflect.DeepEqual(got, want) {
		t.Errorf("cfg = %#v\nwant %#v", got, want)
	}
}

// TestCompile_CustomCoerceCurrentValue: a current value load_current
// returns goes through the property's coerce, as Chef coerces what
// load_current_value sets, so it compares with the desired value.
func TestCompile_CustomCoerceCurrentValue(t *testing.T) {
	kind := `property("hosts", list, coerce=lambda v: v if type(v) == "list" else v.split(","))
def probes(r): return {"h": "cat /h"}
def load_current(r, out): return {"hosts": out["h"].stdout.strip()}
def action_x(r): execute("set")
`
	c := mustCompile(t, `t_k("a", hosts="a,b")`, map[string]string{"resources/k.star": kind})
	x := customOf(t, c, 0)
	cur, _, err := x.LoadCurrent(map[string]engine.ShellResult{"h": {Stdout: "a,b\n"}})
	if err != nil || !reflect.DeepEqual(cur["hosts"], []any{"a", "b"}) {
		t.Fatalf("current %#v, %v", cur["hosts"], err)
	}
	p := engine.NewProbed()
	p.SetShell("cat /h", engine.ShellResult{Stdout: "a,b\n"})
	if d, err := x.Check("x", p); err != nil || !d.Empty() {
		t.Errorf("Check = %q, %v; want up to date", d.Changes, err)
	}
}

// wantProps compiles recipe with files and checks the first resource's
// properties are want, or, for a nil want, that the error matches errRe.
func wantProps(t *testing.T, recipe string, files map[string]string, want map[string]any, errRe string) {
	t.Helper()
	c, err := compileRecipe(t, recipe, files)
	if want == nil {
		if err == nil || !regexp.MustCompile(errRe).MatchString(err.Error()) {
			t.Errorf("%s: error %v\nwant %s", recipe, err, errRe)
		}
		return
	}
	if err != nil {
		t.Errorf("%s: %v", recipe, err)
		return
	}
	if got := propsOf(t, c); !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", recipe, got, want)
	}
}
