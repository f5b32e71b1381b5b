package recipe_test

import (
	"reflect"
	"strings"
	"testing"
)

// TestCompile_NonePropertyIsUnset: as Chef's nil, a property given None is
// not set: the resource is the one declared without it, defaults included
// (a migrated `source = node["ntp"].get("pkg_source")` on a platform that
// sets none). A name that is no property still errors, None or not.
func TestCompile_NonePropertyIsUnset(t *testing.T) {
	for _, c := range []struct{ withNone, without, address string }{
		{`package("ntp", source = None, version = None, options = None)`, `package("ntp")`, "package[ntp]"},
		{`file("/etc/x", content = "x", mode = None, owner = None, group = None)`, `file("/etc/x", content = "x")`, "file[/etc/x]"},
		{`service("ntp", timeout = None, supports = None, action = None)`, `service("ntp")`, "service[ntp]"},
		{`execute("run", command = None, cwd = None, environment = None, creates = None, not_if = None, retries = None)`, `execute("run")`, "execute[run]"},
		{`template("/etc/t", source = "t.tmpl", variables = None, sensitive = None)`, `template("/etc/t", source = "t.tmpl")`, "template[/etc/t]"},
		{`link("/etc/l", to = "/etc/x", link_type = None)`, `link("/etc/l", to = "/etc/x")`, "link[/etc/l]"},
	} {
		t.Run(c.address, func(t *testing.T) {
			extra := map[string]string{"templates/default/t.tmpl": "t\n"}
			a := find(t, mustCompile(t, c.withNone, extra), c.address)
			b := find(t, mustCompile(t, c.without, extra), c.address)
			// each compiled in its own repository: only the file differs
			a.Base().Pos.File = b.Base().Pos.File
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s\n  = %+v\nwant as %s\n  = %+v", c.withNone, a, c.without, b)
			}
		})
	}
	for _, c := range []struct{ src, want string }{
		{`package("ntp", sorce = None)`, `recipes/default.star:1:`},
		{`package("ntp", sorce = None)`, `sorce`},
		{`package("ntp", source = ["a"])`, `property source`},
		{`link("/etc/l", to = None)`, `recipes/default.star:1:`},
		{`link("/etc/l", to = None)`, `needs a target`},
	} {
		_, err := compileRecipe(t, c.src, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one with %q", c.src, err, c.want)
		}
	}
}
