package recipe_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/recipe"
)

const cibSample = `<cib epoch="3"><configuration>
  <crm_config><cluster_property_set id="cib-bootstrap-options">
    <nvpair id="o-stonith" name="stonith-enabled" value="false"/>
  </cluster_property_set></crm_config>
  <resources>
    <group id="g"><primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2">
      <instance_attributes id="vip-ia"><nvpair id="vip-ip" name="ip" value="10.0.0.5"/></instance_attributes>
    </primitive></group>
    <primitive id="web" class="systemd" type="apache2"/>
  </resources>
  <note>  some  text </note>
</configuration></cib>`

// TestXMLDecode runs Starlark expressions over xml.decode's elements; a
// recipe that uses them compiles (xml is predeclared).
func TestXMLDecode(t *testing.T) {
	cases := []struct{ expr, want string }{
		{`doc.tag`, `"cib"`},
		{`doc.attrs["epoch"]`, `"3"`},
		{`doc.get("epoch")`, `"3"`},
		{`doc.get("nope", "d")`, `"d"`},
		{`doc.get("nope")`, `None`},
		{`[c.tag for c in doc.children]`, `["configuration"]`},
		{`[c.tag for c in doc.children[0].children]`, `["crm_config", "resources", "note"]`},
		{`doc.find("primitive").get("id")`, `"vip"`},
		{`doc.find("primitive", id="web").attrs["type"]`, `"apache2"`},
		{`doc.find("primitive", id="nope")`, `None`},
		{`[p.attrs["id"] for p in doc.find_all("primitive")]`, `["vip", "web"]`},
		{`[n.attrs["name"] for n in doc.find_all("nvpair")]`, `["stonith-enabled", "ip"]`},
		{`len(doc.find_all("*"))`, `11`},
		{`doc.find("group").find("nvpair", name="ip").attrs["value"]`, `"10.0.0.5"`},
		{`doc.find("note").text`, `"some  text"`},
		{`doc.find("note").children`, `[]`},
		{`type(doc)`, `"xml.element"`},
		{`str(doc.find("nvpair"))`, `"<nvpair id=\"o-stonith\" name=\"stonith-enabled\" value=\"false\"> (0 children)"`},
	}
	pre := recipe.Predeclared()
	doc, err := starlark.Call(&starlark.Thread{}, xmlDecodeFn(t, pre), starlark.Tuple{starlark.String(cibSample)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	env := starlark.StringDict{"doc": doc}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			v, err := starlark.EvalOptions(&syntax.FileOptions{}, &starlark.Thread{}, "expr", tc.expr, env)
			if err != nil {
				t.Fatal(err)
			}
			if v.String() != tc.want {
				t.Errorf("%s = %s, want %s", tc.expr, v, tc.want)
			}
		})
	}
}

func xmlDecodeFn(t *testing.T, pre starlark.StringDict) starlark.Value {
	t.Helper()
	m, ok := pre["xml"].(starlark.HasAttrs)
	if !ok {
		t.Fatal("xml is not predeclared")
	}
	fn, err := m.Attr("decode")
	if err != nil || fn == nil {
		t.Fatalf("xml.decode: %v", err)
	}
	return fn
}

// TestXMLDecode_Errors: bad input is an error that says what is wrong;
// elements cannot be changed.
func TestXMLDecode_Errors(t *testing.T) {
	cases := []struct{ src, want string }{
		{`xml.decode("")`, `xml.decode: no element`},
		{`xml.decode("<a><b></a>")`, `xml.decode: XML syntax error on line 1`},
		{`xml.decode("<a/><b/>")`, `xml.decode: line 1: a second root element <b>`},
		{`xml.decode("<a>")`, `xml.decode: XML syntax error on line 1: unexpected EOF`},
		{`xml.decode("junk")`, `xml.decode: line 1: text outside the root element`},
		{`xml.decode(1)`, `xml.decode: for parameter 1: got int, want string`},
		{`xml.decode("<a x='1'/>").attrs["x"] = "2"`, `cannot insert into frozen hash table`},
		{`xml.decode("<a><b/></a>").children.append(1)`, `cannot append to frozen list`},
		{`xml.decode("<a/>").find("b", id=1)`, `find: attribute "id": want a string, got int`},
		{`{xml.decode("<a/>"): 1}`, `unhashable`},
	}
	for _, tc := range cases {
		t.Run(tc.src, func(t *testing.T) {
			_, err := starlark.ExecFileOptions(&syntax.FileOptions{}, &starlark.Thread{}, "x.star", tc.src, recipe.Predeclared())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// TestXMLDecode_SameInputParsedOnce: N resources whose load_current decode
// the same probe output parse it once, and get the same element.
func TestXMLDecode_SameInputParsedOnce(t *testing.T) {
	kind := `
property("id", str, name_property=True, doc="the id")
def probes(r):
    return {"cib": "cibadmin --query --local"}
def load_current(r, out):
    p = xml.decode(out["cib"].stdout).find("primitive", id=r.id)
    if p == None:
        return None
    return {}
def action_create(r):
    execute("create " + r.id)
`
	c := mustCompile(t, `
for i in range(20):
    t_p("p%d" % i)
t_p("vip")
`, map[string]string{"resources/p.star": kind})
	// Every resource probes with the same command: one probe for all.
	seen := map[string]bool{}
	for _, r := range c.Resources {
		for _, p := range r.Probes() {
			seen[p.Arg] = true
		}
	}
	if len(seen) != 1 {
		t.Errorf("%d distinct probe commands, want 1: %v", len(seen), seen)
	}
	doc := cibSample + "<!-- " + t.Name() + " -->" // unique to this test
	before := recipe.XMLParses()
	exists := 0
	for i := range c.Resources {
		_, ok, err := customOf(t, c, i).LoadCurrent(map[string]engine.ShellResult{"cib": {Stdout: doc}})
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			exists++
		}
	}
	if n := recipe.XMLParses() - before; n != 1 {
		t.Errorf("21 load_current calls parsed the CIB %d times, want 1", n)
	}
	if exists != 1 {
		t.Errorf("%d resources found, want 1 (vip)", exists)
	}
	// A bad document is an error of load_current that says so.
	_, _, err := customOf(t, c, 0).LoadCurrent(map[string]engine.ShellResult{"cib": {Stdout: "<cib>"}})
	if err == nil || !regexp.MustCompile(`xml.decode: XML syntax error`).MatchString(err.Error()) {
		t.Errorf("error %v", err)
	}
}

// TestXMLDecode_SharedAcrossThreads: nodes converge in parallel, and their
// load_current threads read the same cached element (go test -race).
func TestXMLDecode_SharedAcrossThreads(t *testing.T) {
	doc := cibSample + "<!-- " + t.Name() + " -->"
	src := `ids = [p.attrs["id"] for p in xml.decode(doc).find_all("primitive")] + [k for k in xml.decode(doc).find("nvpair").attrs]`
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			pre := recipe.Predeclared()
			pre["doc"] = starlark.String(doc)
			g, err := starlark.ExecFileOptions(&syntax.FileOptions{}, &starlark.Thread{}, "x.star", src, pre)
			if err == nil && g["ids"].String() != `["vip", "web", "id", "name", "value"]` {
				err = fmt.Errorf("ids = %s", g["ids"])
			}
			errs <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
