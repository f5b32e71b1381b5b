package migrate

// Chef resources converge lacks or has with a difference: apt_update
// (converge's needs a name and a debian node) and build_essential (the
// packages Chef installs for the node's platform family).

import (
	"fmt"
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

// emitChefOnly writes c when it is apt_update (converge's kind, which
// needs a name and a debian node) or build_essential; false when it is
// neither.
func (e *emitter) emitChefOnly(s *ruby.Stmt, c *ruby.CallExpr, ind int) bool {
	if c.Name == "apt_update" {
		if len(c.Args) > 1 {
			return false // emitResource says what is wrong
		}
		e.emitAptUpdate(s, c, ind)
		return true
	}
	if c.Name != "build_essential" {
		return false
	}
	if len(c.Args) > 1 {
		no(c.Name, "a resource with several name arguments")
	}
	props := map[string]ruby.Expr{}
	if c.Block != nil {
		if len(c.Block.Params) > 0 {
			no(c.Name, "a resource block with parameters")
		}
		for _, ps := range c.Block.Body {
			pc, ok := ps.X.(*ruby.CallExpr)
			if !ok || pc.Recv != nil || len(pc.Args) != 1 || pc.Block != nil {
				no(c.Name, "only action and raise_if_unsupported are translated in its block")
			}
			switch pc.Name {
			case "action", "raise_if_unsupported", "compile_time":
			default:
				no(c.Name+" "+pc.Name, "converge migrate translates build_essential's action and raise_if_unsupported only")
			}
			props[pc.Name] = pc.Args[0]
		}
	}
	action := ""
	if a, ok := props["action"]; ok {
		s, ok := a.(*ruby.SymLit)
		if !ok {
			no(c.Name+" action", "only a single symbol action is translated")
		}
		action = s.Name
	}
	e.emitBuildEssential(action, props["raise_if_unsupported"], c.Line, ind)
	return true
}

// emitAptUpdate writes Chef's apt_update as converge's apt_update
// (whose periodic check is one probe of the stamp's age), named "apt-get
// update" when Chef's is nameless, on the debian family only: Chef's does
// nothing elsewhere, converge's refuses other families.
func (e *emitter) emitAptUpdate(s *ruby.Stmt, c *ruby.CallExpr, ind int) {
	cc := *c
	if len(cc.Args) == 0 {
		cc.Args = []ruby.Expr{&ruby.StrLit{Line: c.Line, Parts: []ruby.StrElem{{Lit: "apt-get update"}}}}
	}
	under := false
	for _, cond := range e.conds {
		under = under || strings.Contains(cond, `node.platform_family == "debian"`)
	}
	if !under {
		e.line(ind, `if node.platform_family == "debian":`)
		ind++
	}
	e.emitResource(s, &cc, "apt_update", ind)
	if !under || len(c.Args) == 0 {
		e.notes = append(e.notes, fmt.Sprintf("%s:%d: apt_update is declared on the debian family only (Chef's does nothing elsewhere, converge's refuses other families)%s", e.file, c.Line,
			map[bool]string{true: "; Chef's nameless apt_update is apt_update(\"apt-get update\")", false: ""}[len(c.Args) == 0]))
	}
}

// buildEssentialPackages are the packages Chef's build_essential installs
// per platform family (Chef's fedora_derived? is rhel, fedora and
// amazon). On the debian family Chef names ncurses-dev, a virtual package
// dpkg never reports installed; libncurses-dev is the package apt
// installs for it.
var buildEssentialPackages = []struct {
	cond string
	pkgs []string
}{
	{`node.platform_family == "debian"`, []string{"autoconf", "binutils-doc", "bison", "build-essential", "flex", "gettext", "libncurses-dev"}},
	{`node.platform_family in ("rhel", "fedora", "amazon")`, []string{"autoconf", "bison", "flex", "gcc", "gcc-c++", "gettext", "kernel-devel", "make", "m4", "ncurses-devel", "patch"}},
	{`node.platform_family == "suse"`, []string{"autoconf", "bison", "flex", "gcc", "gcc-c++", "kernel-default-devel", "make", "m4"}},
}

// emitBuildEssential writes Chef's build_essential :install as one
// package resource per platform family; elsewhere Chef warns (or fails
// with raise_if_unsupported true), and so does the translation.
func (e *emitter) emitBuildEssential(action string, raise ruby.Expr, line, ind int) {
	switch action {
	case "", "install":
	case "upgrade":
		// :upgrade only upgrades Xcode's tools on macOS
		e.line(ind, "# build_essential action :upgrade: Chef upgrades the Xcode tools on macOS only; nothing to do here (converge migrate)")
		return
	case "nothing":
		e.line(ind, "# build_essential action :nothing: nothing to do (converge migrate)")
		return
	default:
		no("build_essential action :"+action, "build_essential's actions are :install and :upgrade")
	}
	e.notes = append(e.notes, fmt.Sprintf("%s:%d: build_essential is a package resource per platform family with the packages Chef's build_essential installs (debian, rhel/fedora/amazon, suse), libncurses-dev standing for Chef's ncurses-dev, a virtual package dpkg never reports installed; other families get a warning (macOS's Xcode tools are not installed)", e.file, line))
	e.line(ind, "# build_essential: the packages Chef's build_essential installs on the node's platform family (converge migrate)")
	for i, b := range buildEssentialPackages {
		kw := "if "
		if i > 0 {
			kw = "elif "
		}
		e.line(ind, kw+b.cond+":")
		var quoted []string
		for _, p := range b.pkgs {
			quoted = append(quoted, starQuote(p))
		}
		e.writeCall(ind+1, "package", listKwarg("", quoted).value, nil)
	}
	msg := `"build_essential: the platform family " + node.platform_family + " is not supported"`
	e.line(ind, "else:")
	if r, ok := raise.(*ruby.BoolLit); ok && r.Val {
		e.line(ind+1, "fail("+msg+")")
	} else {
		e.line(ind+1, "log("+msg+", level=\"warn\")")
		e.resources["log"]++
	}
}
