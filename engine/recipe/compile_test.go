package recipe_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/resources"
)

// TestCompile_ResourceProperties declares one resource per case and checks
// the struct field its property lands in: the builtin is generated from the
// tagged fields, so this is the table of what a recipe may write.
func TestCompile_ResourceProperties(t *testing.T) {
	pkg := func(r engine.Resource) *resources.Package { return r.(*resources.Package) }
	tpl := func(r engine.Resource) *resources.Template { return r.(*resources.Template) }
	file := func(r engine.Resource) *resources.File { return r.(*resources.File) }
	cbf := func(r engine.Resource) *resources.CookbookFile { return r.(*resources.CookbookFile) }
	dir := func(r engine.Resource) *resources.Directory { return r.(*resources.Directory) }
	link := func(r engine.Resource) *resources.Link { return r.(*resources.Link) }
	svc := func(r engine.Resource) *resources.Service { return r.(*resources.Service) }
	exe := func(r engine.Resource) *resources.Execute { return r.(*resources.Execute) }
	usr := func(r engine.Resource) *resources.User { return r.(*resources.User) }
	grp := func(r engine.Resource) *resources.Group { return r.(*resources.Group) }

	tests := []struct {
		name string
		src  string // declares the resource at address
		addr string
		get  func(engine.Resource) any
		want any
	}{
		// package
		{"package name defaults to the resource name", `package("corosync")`, "package[corosync]",
			func(r engine.Resource) any { return pkg(r).PackageName }, []string{"corosync"}},
		{"package list is one resource named a, b", `package(["corosync", "pacemaker"])`, "package[corosync, pacemaker]",
			func(r engine.Resource) any { return pkg(r).PackageName }, []string{"corosync", "pacemaker"}},
		{"package tuple name", `package(("corosync", "pcs"))`, "package[corosync, pcs]",
			func(r engine.Resource) any { return pkg(r).PackageName }, []string{"corosync", "pcs"}},
		{"package_name string overrides the name", `package("cluster", package_name="corosync")`, "package[cluster]",
			func(r engine.Resource) any { return pkg(r).PackageName }, []string{"corosync"}},
		{"package_name list", `package("cluster", package_name=["corosync", "pcs"])`, "package[cluster]",
			func(r engine.Resource) any { return pkg(r).PackageName }, []string{"corosync", "pcs"}},
		{"package version", `package("corosync", version="2.4.0-4")`, "package[corosync]",
			func(r engine.Resource) any { return pkg(r).Version }, "2.4.0-4"},
		{"package options", `package("corosync", options="--nogpgcheck")`, "package[corosync]",
			func(r engine.Resource) any { return pkg(r).Options }, "--nogpgcheck"},
		{"package provider", `package("corosync", provider="dnf")`, "package[corosync]",
			func(r engine.Resource) any { return pkg(r).Provider }, "dnf"},
		{"package default action", `package("corosync")`, "package[corosync]",
			func(r engine.Resource) any { return r.Base().Actions }, []string{"install"}},
		{"package action upgrade", `package("corosync", action="upgrade")`, "package[corosync]",
			func(r engine.Resource) any { return r.Base().Actions }, []string{"upgrade"}},

		// template
		{"template path defaults to the name", `template("/etc/app.conf")`, "template[/etc/app.conf]",
			func(r engine.Resource) any { return tpl(r).Path }, "/etc/app.conf"},
		{"template path property", `template("app config", path="/etc/app.conf")`, "template[app config]",
			func(r engine.Resource) any { return tpl(r).Path }, "/etc/app.conf"},
		{"template source", `template("/etc/x.conf", source="app.conf.tmpl")`, "template[/etc/x.conf]",
			func(r engine.Resource) any { return tpl(r).Source }, "app.conf.tmpl"},
		{"template cookbook", `template("/etc/app.conf", cookbook="t")`, "template[/etc/app.conf]",
			func(r engine.Resource) any { return tpl(r).Cookbook }, "t"},
		{"template variables dict", `template("/etc/app.conf", variables={"port": 5405, "peers": ["a", "b"], "tls": {"on": True}, "ratio": 0.5, "none": None})`, "template[/etc/app.conf]",
			func(r engine.Resource) any { return tpl(r).Variables },
			map[string]any{"port": int64(5405), "peers": []any{"a", "b"}, "tls": map[string]any{"on": true}, "ratio": 0.5, "none": nil}},
		{"template variables from node attributes", `template("/etc/app.conf", variables=node["app"])`, "template[/etc/app.conf]",
			func(r engine.Resource) any { return tpl(r).Variables }, map[string]any{"port": int64(8080), "name": "shop"}},
		{"template owner group mode string", `template("/etc/app.conf", owner="root", group="wheel", mode="0640")`, "template[/etc/app.conf]",
			func(r engine.Resource) any { return tpl(r).Ownership }, resources.Ownership{Owner: "root", Group: "wheel", Mode: "0640"}},
		{"template backup False", `template("/etc/app.conf", backup=False)`, "template[/etc/app.conf]",
			func(r engine.Resource) any { return tpl(r).Backup }, false},
		{"template backup int", `template("/etc/app.conf", backup=2)`, "template[/etc/app.conf]",
			func(r engine.Resource) any { return tpl(r).Backup }, int64(2)},
		{"template verify", `template("/etc/app.conf", verify="app -t %{path}")`, "template[/etc/app.conf]",
			func(r engine.Resource) any { return tpl(r).Verify }, "app -t %{path}"},
		{"template sensitive", `template("/etc/app.conf", sensitive=True)`, "template[/etc/app.conf]",
			func(r engine.Resource) any { return r.Base().Sensitive }, true},
		{"template default action", `template("/etc/app.conf")`, "template[/etc/app.conf]",
			func(r engine.Resource) any { return r.Base().Actions }, []string{"create"}},

		// file
		{"file content", `file("/etc/motd", content="hello\n")`, "file[/etc/motd]",
			func(r engine.Resource) any { return file(r).Content }, "hello\n"},
		{"file mode 0o644", `file("/etc/motd", mode=0o644)`, "file[/etc/motd]",
			func(r engine.Resource) any { return file(r).Mode }, "0644"},
		{"file mode \"0644\"", `file("/etc/motd", mode="0644")`, "file[/etc/motd]",
			func(r engine.Resource) any { return file(r).Mode }, "0644"},
		{"file mode \"644\"", `file("/etc/motd", mode="644")`, "file[/etc/motd]",
			func(r engine.Resource) any { return file(r).Mode }, "0644"},
		{"file mode \"4755\" keeps setuid", `file("/usr/bin/x", mode="4755")`, "file[/usr/bin/x]",
			func(r engine.Resource) any { return file(r).Mode }, "4755"},
		{"file mode decimal 420 is 0644", `file("/etc/motd", mode=420)`, "file[/etc/motd]",
			func(r engine.Resource) any { return file(r).Mode }, "0644"},
		{"file owner group", `file("/etc/motd", owner="root", group="root")`, "file[/etc/motd]",
			func(r engine.Resource) any { return [2]string{file(r).Owner, file(r).Group} }, [2]string{"root", "root"}},
		{"file backup False", `file("/etc/motd", backup=False)`, "file[/etc/motd]",
			func(r engine.Resource) any { return file(r).Backup }, false},
		{"file backup 0", `file("/etc/motd", backup=0)`, "file[/etc/motd]",
			func(r engine.Resource) any { return file(r).Backup }, int64(0)},
		{"file backup unset", `file("/etc/motd")`, "file[/etc/motd]",
			func(r engine.Resource) any { return file(r).Backup }, nil},
		{"file verify", `file("/etc/sudoers", verify="visudo -cf %{path}")`, "file[/etc/sudoers]",
			func(r engine.Resource) any { return file(r).Verify }, "visudo -cf %{path}"},
		{"file action touch", `file("/etc/motd", action="touch")`, "file[/etc/motd]",
			func(r engine.Resource) any { return r.Base().Actions }, []string{"touch"}},
		{"file content set is recorded", `file("/etc/motd", content="")`, "file[/etc/motd]",
			func(r engine.Resource) any { return r.Base().IsSet("content") }, true},
		{"file content unset is recorded", `file("/etc/motd")`, "file[/etc/motd]",
			func(r engine.Resource) any { return r.Base().IsSet("content") }, false},

		// cookbook_file
		{"cookbook_file source", `cookbook_file("/etc/app.key", source="app.conf")`, "cookbook_file[/etc/app.key]",
			func(r engine.Resource) any { return cbf(r).Source }, "app.conf"},
		{"cookbook_file path defaults to the name", `cookbook_file("/etc/app.conf")`, "cookbook_file[/etc/app.conf]",
			func(r engine.Resource) any { return cbf(r).Path }, "/etc/app.conf"},
		{"cookbook_file ownership", `cookbook_file("/etc/app.conf", owner="app", group="app", mode=0o600)`, "cookbook_file[/etc/app.conf]",
			func(r engine.Resource) any { return cbf(r).Ownership }, resources.Ownership{Owner: "app", Group: "app", Mode: "0600"}},
		{"cookbook_file action create_if_missing", `cookbook_file("/etc/app.conf", action="create_if_missing")`, "cookbook_file[/etc/app.conf]",
			func(r engine.Resource) any { return r.Base().Actions }, []string{"create_if_missing"}},

		// directory
		{"directory recursive", `directory("/srv/app/data", recursive=True)`, "directory[/srv/app/data]",
			func(r engine.Resource) any { return dir(r).Recursive }, true},
		{"directory mode and owner", `directory("/srv/app", owner="app", mode="755")`, "directory[/srv/app]",
			func(r engine.Resource) any { return dir(r).Ownership }, resources.Ownership{Owner: "app", Mode: "0755"}},
		{"directory path", `directory("data", path="/srv/data")`, "directory[data]",
			func(r engine.Resource) any { return dir(r).Path }, "/srv/data"},
		{"directory action delete", `directory("/srv/old", action="delete")`, "directory[/srv/old]",
			func(r engine.Resource) any { return r.Base().Actions }, []string{"delete"}},

		// link
		{"link to", `link("/etc/app/current", to="/srv/app/releases/1")`, "link[/etc/app/current]",
			func(r engine.Resource) any { return link(r).To }, "/srv/app/releases/1"},
		{"link_type defaults to symbolic", `link("/etc/app/current", to="/srv")`, "link[/etc/app/current]",
			func(r engine.Resource) any { return link(r).LinkType }, "symbolic"},
		{"link_type hard", `link("/etc/app/current", to="/srv/x", link_type="hard")`, "link[/etc/app/current]",
			func(r engine.Resource) any { return link(r).LinkType }, "hard"},
		{"link delete without to", `link("/etc/app/current", action="delete")`, "link[/etc/app/current]",
			func(r engine.Resource) any { return link(r).To }, ""},

		// service
		{"service default action is nothing", `service("corosync")`, "service[corosync]",
			func(r engine.Resource) any { return r.Base().Actions }, []string{"nothing"}},
		{"service action list", `service("corosync", action=["enable", "start"])`, "service[corosync]",
			func(r engine.Resource) any { return r.Base().Actions }, []string{"enable", "start"}},
		{"service action tuple", `service("corosync", action=("enable", "start"))`, "service[corosync]",
			func(r engine.Resource) any { return r.Base().Actions }, []string{"enable", "start"}},
		{"service supports dict", `service("corosync", supports={"restart": True, "reload": False, "status": True})`, "service[corosync]",
			func(r engine.Resource) any { return svc(r).Supports }, map[string]bool{"restart": true, "reload": false, "status": true}},
		{"service pattern", `service("corosync", pattern="corosync -f")`, "service[corosync]",
			func(r engine.Resource) any { return svc(r).Pattern }, "corosync -f"},
		{"service_name defaults to the name", `service("corosync")`, "service[corosync]",
			func(r engine.Resource) any { return svc(r).ServiceName }, "corosync"},
		{"service_name property", `service("cluster", service_name="corosync")`, "service[cluster]",
			func(r engine.Resource) any { return svc(r).ServiceName }, "corosync"},
		{"service provider", `service("corosync", provider="sysvinit")`, "service[corosync]",
			func(r engine.Resource) any { return svc(r).Provider }, "sysvinit"},

		// execute
		{"execute command defaults to the name", `execute("make install")`, "execute[make install]",
			func(r engine.Resource) any { return exe(r).Command }, "make install"},
		{"execute command property", `execute("build", command="make")`, "execute[build]",
			func(r engine.Resource) any { return exe(r).Command }, "make"},
		{"execute default action", `execute("make")`, "execute[make]",
			func(r engine.Resource) any { return r.Base().Actions }, []string{"run"}},
		{"execute cwd", `execute("make", cwd="/srv/app")`, "execute[make]",
			func(r engine.Resource) any { return exe(r).Cwd }, "/srv/app"},
		{"execute environment dict", `execute("make", environment={"HOME": "/root", "JOBS": 4, "DEBUG": True})`, "execute[make]",
			func(r engine.Resource) any { return exe(r).Environment }, map[string]string{"HOME": "/root", "JOBS": "4", "DEBUG": "true"}},
		{"execute user and group", `execute("make", user="app", group="app")`, "execute[make]",
			func(r engine.Resource) any { return [2]string{exe(r).User, exe(r).Group} }, [2]string{"app", "app"}},
		{"execute returns int", `execute("make", returns=2)`, "execute[make]",
			func(r engine.Resource) any { return exe(r).Returns }, []int{2}},
		{"execute returns list", `execute("make", returns=[0, 2])`, "execute[make]",
			func(r engine.Resource) any { return exe(r).Returns }, []int{0, 2}},
		// Guards a past bug: a tuple was refused where a list was accepted.
		{"execute returns tuple", `execute("make", returns=(0, 3))`, "execute[make]",
			func(r engine.Resource) any { return exe(r).Returns }, []int{0, 3}},
		{"execute returns defaults to 0", `execute("make")`, "execute[make]",
			func(r engine.Resource) any { return exe(r).Returns }, []int{0}},
		{"execute creates", `execute("make", creates="/srv/app/bin/app")`, "execute[make]",
			func(r engine.Resource) any { return exe(r).Creates }, "/srv/app/bin/app"},
		{"execute timeout", `execute("make", timeout=60)`, "execute[make]",
			func(r engine.Resource) any { return exe(r).Timeout }, 60},
		{"execute timeout 0 means no limit", `execute("make", timeout=0)`, "execute[make]",
			func(r engine.Resource) any { return exe(r).Timeout }, 0},
		{"execute timeout defaults to an hour", `execute("make")`, "execute[make]",
			func(r engine.Resource) any { return exe(r).Timeout }, 3600},
		{"execute sensitive", `execute("make", sensitive=True)`, "execute[make]",
			func(r engine.Resource) any { return r.Base().Sensitive }, true},

		// user
		{"user uid gid home shell", `user("app", uid=1001, gid="app", home="/srv/app", shell="/bin/bash")`, "user[app]",
			func(r engine.Resource) any {
				u := usr(r)
				return []any{u.UID, u.GID, u.Home, u.Shell}
			}, []any{1001, "app", "/srv/app", "/bin/bash"}},
		{"user system manage_home comment", `user("app", system=True, manage_home=True, comment="App")`, "user[app]",
			func(r engine.Resource) any {
				u := usr(r)
				return []any{u.System, u.ManageHome, u.Comment}
			}, []any{true, true, "App"}},
		{"user username defaults to the name", `user("app")`, "user[app]",
			func(r engine.Resource) any { return usr(r).Username }, "app"},
		{"user password", `user("app", password="$6$x$y", sensitive=True)`, "user[app]",
			func(r engine.Resource) any { return usr(r).Password }, "$6$x$y"},
		{"user action remove", `user("app", action="remove")`, "user[app]",
			func(r engine.Resource) any { return r.Base().Actions }, []string{"remove"}},

		// group
		{"group gid system", `group("haclient", gid=189, system=True)`, "group[haclient]",
			func(r engine.Resource) any { return []any{grp(r).GID, grp(r).System} }, []any{189, true}},
		{"group members list", `group("haclient", members=["hacluster", "app"])`, "group[haclient]",
			func(r engine.Resource) any { return grp(r).Members }, []string{"hacluster", "app"}},
		{"group members string", `group("haclient", members="hacluster")`, "group[haclient]",
			func(r engine.Resource) any { return grp(r).Members }, []string{"hacluster"}},
		{"group append", `group("haclient", members=["x"], append=True)`, "group[haclient]",
			func(r engine.Resource) any { return grp(r).Append }, true},
		{"group group_name", `group("cluster", group_name="haclient")`, "group[cluster]",
			func(r engine.Resource) any { return grp(r).GroupName }, "haclient"},

		// common properties
		{"action nothing on any kind", `file("/etc/motd", action="nothing")`, "file[/etc/motd]",
			func(r engine.Resource) any { return r.Base().Actions }, []string{"nothing"}},
		{"not_if string", `execute("make", not_if="test -e /srv/done")`, "execute[make]",
			func(r engine.Resource) any { return guardCmds(r.Base().NotIf) }, []string{"test -e /srv/done"}},
		{"only_if list of strings", `file("/etc/motd", only_if=["true", "test -d /etc"])`, "file[/etc/motd]",
			func(r engine.Resource) any { return guardCmds(r.Base().OnlyIf) }, []string{"true", "test -d /etc"}},
		{"not_if string is shown quoted", `file("/etc/motd", not_if="test -e /x")`, "file[/etc/motd]",
			func(r engine.Resource) any { return r.Base().NotIf[0].Desc }, `"test -e /x"`},
		{"execute guards run in cwd with environment", `execute("make", cwd="/srv", environment={"A": "1"}, only_if="test -f Makefile")`, "execute[make]",
			func(r engine.Resource) any { return guardCmds(r.Base().OnlyIf) }, []string{"cd /srv || exit 1; export A=1; test -f Makefile"}},
		{"ignore_failure", `execute("make", ignore_failure=True)`, "execute[make]",
			func(r engine.Resource) any { return r.Base().IgnoreFailure }, true},
		{"retries and retry_delay", `execute("make", retries=3, retry_delay=5)`, "execute[make]",
			func(r engine.Resource) any { return [2]int{r.Base().Retries, r.Base().RetryDelay} }, [2]int{3, 5}},
		{"sensitive on a file", `file("/etc/secret", content="x", sensitive=True)`, "file[/etc/secret]",
			func(r engine.Resource) any { return r.Base().Sensitive }, true},
		{"declaration position", "\n\nfile(\"/etc/motd\")", "file[/etc/motd]",
			func(r engine.Resource) any { return r.Base().Pos.Line }, 3},
		{"recipe and cookbook", `file("/etc/motd")`, "file[/etc/motd]",
			func(r engine.Resource) any { return []string{r.Base().Cookbook, r.Base().Recipe} }, []string{"t", "t::default"}},
	}
	extra := map[string]string{
		"attributes/default.star":         "default[\"app\"][\"port\"] = 8080\ndefault[\"app\"][\"name\"] = \"shop\"\n",
		"templates/default/app.conf.tmpl": "app\n",
		"files/default/app.conf":          "static\n",
		"files/default/app.key":           "key\n",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCompile(t, tt.src, extra)
			if len(c.Resources) != 1 {
				t.Fatalf("got resources %v, want only %s", addresses(c), tt.addr)
			}
			r := find(t, c, tt.addr)
			if got := tt.get(r); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func guardCmds(gs []engine.Guard) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Cmd)
	}
	return out
}

// TestCompile_GuardCallablesRunAtConvergeTime checks that a function guard
// is kept as a function (not called while compiling) and reads the node
// when called.
func TestCompile_GuardCallablesRunAtConvergeTime(t *testing.T) {
	c := mustCompile(t, `
def fails():
    fail("guard called")

def on_centos():
    return node.platform == "centos"

execute("a", not_if=on_centos)
execute("b", only_if=lambda: node.platform == "debian")
execute("c", not_if=["test -e /x", on_centos])
execute("d", not_if=fails)
`, nil)
	call := func(addr string, g []engine.Guard, i int) (bool, error) {
		t.Helper()
		if len(g) <= i || g[i].Fn == nil {
			t.Fatalf("%s: guard %d is not a function: %+v", addr, i, g)
		}
		return g[i].Fn()
	}
	if ok, err := call("a", find(t, c, "execute[a]").Base().NotIf, 0); !ok || err != nil {
		t.Errorf("execute[a] not_if = %v, %v; want true", ok, err)
	}
	if ok, err := call("b", find(t, c, "execute[b]").Base().OnlyIf, 0); ok || err != nil {
		t.Errorf("execute[b] only_if = %v, %v; want false", ok, err)
	}
	g := find(t, c, "execute[c]").Base().NotIf
	if len(g) != 2 || g[0].Cmd != "test -e /x" || g[1].Fn == nil || g[1].Desc != "on_centos()" {
		t.Errorf("execute[c] not_if = %+v; want a command then on_centos()", g)
	}
	if _, err := call("d", find(t, c, "execute[d]").Base().NotIf, 0); err == nil || !strings.Contains(err.Error(), "guard called") {
		t.Errorf("execute[d] not_if error = %v; want the fail() message", err)
	}
}

// TestCompile_ResourcesKeepDeclarationOrder checks the collection follows
// the recipes' order, including loops and conditionals at top level.
func TestCompile_ResourcesKeepDeclarationOrder(t *testing.T) {
	c := mustCompile(t, `
package(["corosync", "pacemaker"])
for n in ["a", "b"]:
    file("/etc/" + n)
if node.platform_family == "rhel":
    service("corosync", action=["enable", "start"])
else:
    service("corosync-debian")
h = directory("/srv")
file("/etc/handle", content=str(h))
`, nil)
	want := []string{"package[corosync, pacemaker]", "file[/etc/a]", "file[/etc/b]", "service[corosync]", "directory[/srv]", "file[/etc/handle]"}
	if got := addresses(c); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := find(t, c, "file[/etc/handle]").(*resources.File).Content; got != "directory[/srv]" {
		t.Errorf("str(handle) = %q, want directory[/srv]", got)
	}
}

// TestCompile_NotificationsBecomeEdges checks notifies and subscribes
// resolve to the same edges: a subscribes is the mirror of a notifies.
func TestCompile_NotificationsBecomeEdges(t *testing.T) {
	tmpl := map[string]string{"templates/default/c.conf.tmpl": "x\n"}
	notifies := mustCompile(t, `
svc = service("corosync")
execute("reload", action="nothing")
template("/etc/c.conf", source="c.conf.tmpl", notifies=[
    ("restart", svc),
    ("start", "service[corosync]", "immediately"),
    ("stop", "service[corosync]", "before"),
    ("run", "execute[reload]", "immediate"),
])
`, tmpl)
	subscribes := mustCompile(t, `
svc = service("corosync", subscribes=[
    ("restart", "template[/etc/c.conf]"),
    ("start", "template[/etc/c.conf]", "immediately"),
    ("stop", "template[/etc/c.conf]", "before"),
])
execute("reload", action="nothing", subscribes=("run", "template[/etc/c.conf]", "immediately"))
template("/etc/c.conf", source="c.conf.tmpl")
`, tmpl)
	for name, c := range map[string]*engine.Collection{"notifies": notifies, "subscribes": subscribes} {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, e := range c.Edges(find(t, c, "template[/etc/c.conf]")) {
				got = append(got, e.Action+" "+e.Target.Base().Address()+" "+e.Timing)
			}
			want := []string{
				"restart service[corosync] delayed",
				"start service[corosync] immediately",
				"stop service[corosync] before",
				"run execute[reload] immediately",
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("edges of template[/etc/c.conf]:\n got %q\nwant %q", got, want)
			}
			for _, r := range c.Resources[:2] {
				if e := c.Edges(r); len(e) != 0 {
					t.Errorf("%s sends %v; only the template notifies", r.Base().Address(), e)
				}
			}
		})
	}
}

// TestCompile_NotificationTargetIsTheLastDeclared checks Chef's rule: a
// "kind[name]" target declared twice resolves to the last declaration,
// also when it comes after the notifier.
func TestCompile_NotificationTargetIsTheLastDeclared(t *testing.T) {
	c := mustCompile(t, `
service("corosync", action="enable")
file("/etc/motd", notifies=[("restart", "service[corosync]")])
service("corosync", action="start")
`, nil)
	e := c.Edges(find(t, c, "file[/etc/motd]"))
	if len(e) != 1 || e[0].Target != c.Resources[2] {
		t.Errorf("edges %+v; want the service declared last (%p)", e, c.Resources[2])
	}
}

// TestCompile_TemplateRendersVariablesAndNode checks a template sees its
// variables at the top level and the node's attributes as .node.
func TestCompile_TemplateRendersVariablesAndNode(t *testing.T) {
	c := mustCompile(t, `template("/etc/app.conf", variables={"peers": ["a", "b"], "port": node["app"]["port"]})`, map[string]string{
		"attributes/default.star":         `default["app"]["port"] = 8080`,
		"templates/default/app.conf.tmpl": "{{range .peers}}peer {{.}}\n{{end}}port {{.port}} on {{.node.platform}} {{.node.app.port}}\n",
	})
	got := rendered(t, find(t, c, "template[/etc/app.conf]"), "/etc/app.conf")
	if want := "peer a\npeer b\nport 8080 on centos 8080\n"; got != want {
		t.Errorf("rendered %q, want %q", got, want)
	}
}

// TestCompile_TemplateSeesJSONNumbersAsRuby: whole numbers from JSON (a
// role's attributes, normal attributes from nodes/*.json or -j) reach a
// template as Integers, as Chef's node has them. Guards issue 12: a
// migrated template printed "port 8080.0" for a role's port 8080.
func TestCompile_TemplateSeesJSONNumbersAsRuby(t *testing.T) {
	c, err := compileTree(t, map[string]string{
		"cookbooks/app/metadata.star":                   `name = "app"`,
		"cookbooks/app/recipes/default.star":            `template("/etc/app.conf")`,
		"cookbooks/app/templates/default/app.conf.tmpl": "{{rb_to_s .node.app.port}} {{rb_to_s .node.app.ratio}} {{rb_to_s .node.app.ports}} {{rb_to_s .node.workers}}\n",
		"roles/r.json": `{"run_list": ["app"], "default_attributes": {"app": {"port": 8080, "ratio": 0.5, "ports": [80, 443]}}}`,
	}, recipe.Input{RunList: []string{"role[r]"}, Normal: map[string]any{"workers": float64(4)}})
	if err != nil {
		t.Fatal(err)
	}
	got := rendered(t, find(t, c, "template[/etc/app.conf]"), "/etc/app.conf")
	if want := "8080 0.5 [80, 443] 4\n"; got != want {
		t.Errorf("rendered %q, want %q", got, want)
	}
}
