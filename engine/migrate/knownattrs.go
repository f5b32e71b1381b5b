package migrate

// The attributes a cookbook defines: Chef reads an attribute nobody set
// as nil, converge as an error (which catches a misspelt name). A
// condition testing an attribute the cookbook never sets
// (`if node['app']['extra']`, `!node['app']['managed']`) is Chef's test
// for presence, so it reads the attribute with .get.

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
)

var (
	// attrSetRe finds an attribute assignment: default['a']['b'] = ...,
	// node.default[:a] ||= ..., override["a"] << ...
	attrSetRe = regexp.MustCompile(`\b(?:default|normal|override|set|force_default|force_override|default_unless|set_unless|normal_unless)((?:\[\s*(?:'[^']*'|"[^"#]*"|:[A-Za-z_][A-Za-z0-9_]*)\s*\])+)\s*(?:=[^=~]|\|\|=|<<)`)
	attrKeyRe = regexp.MustCompile(`\[\s*(?:'([^']*)'|"([^"]*)"|:([A-Za-z_][A-Za-z0-9_]*))\s*\]`)

	// the method-style forms (attrLevels): default.a['b'].c = ...,
	// d = default['a'], default.a.tap do |d| and d.b = ... of such a d
	attrSegs    = `((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\s*(?:'[^']*'|"[^"#]*"|:[A-Za-z_][A-Za-z0-9_]*)\s*\])*)`
	attrRootW   = `(?:node\.)?(?:default|normal|override|set|force_default|force_override)`
	attrTapRe   = regexp.MustCompile(`^` + attrRootW + attrSegs + `\.tap\s*(?:do\s*\|\s*([a-z_][A-Za-z0-9_]*)\s*\||\{\s*\|\s*([a-z_][A-Za-z0-9_]*)\s*\|)\s*(?:#.*)?$`)
	attrLocalRe = regexp.MustCompile(`^([a-z_][A-Za-z0-9_]*)\s*=\s*` + attrRootW + attrSegs + `\s*(?:#.*)?$`)
	attrDotSet  = regexp.MustCompile(`^(` + attrRootW + `|[a-z_][A-Za-z0-9_]*)` + attrSegs + `\s*(?:=[^=~]|\|\|=|<<)`)
	attrRootRe  = regexp.MustCompile(`^` + attrRootW + `$`)
	attrBindRe  = regexp.MustCompile(`^([a-z_][A-Za-z0-9_]*)\s*=[^=~]`)
	attrSegRe   = regexp.MustCompile(`\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*(?:'([^']*)'|"([^"]*)"|:([A-Za-z_][A-Za-z0-9_]*))\s*\]`)
)

// segKeys are the keys of a path of .name and [key] segments; ok is
// false when a .name is a Ruby method rather than a key.
func segKeys(segs string) (keys []string, ok bool) {
	for _, m := range attrSegRe.FindAllStringSubmatch(segs, -1) {
		if m[1] != "" && isRubyMethod(m[1]) {
			return nil, false
		}
		keys = append(keys, m[1]+m[2]+m[3]+m[4])
	}
	return keys, true
}

// knownAttrs are the attribute paths a cookbook's attribute files and
// recipes assign (and, added by addRunAttrs, those of the other cookbooks
// of the migration), each as its keys joined by \x00, with what is known
// of them.
type knownAttrs map[string]attrInfo

// attrInfo is what the migration knows of an attribute path.
type attrInfo struct {
	// always is set when an attributes file sets the path unconditionally
	// (at its top level, outside any if, case, loop or block), not when it
	// is set only conditionally or by a recipe.
	always bool
	// lits are the kinds of value assigned to the path (rubystr.go)
	lits litKind
}

var (
	attrOpenRe  = regexp.MustCompile(`^(?:while|until|for|begin|def|class|module)\b`)
	attrCondRe  = regexp.MustCompile(`^(?:if|unless|case)\b`)
	attrElseRe  = regexp.MustCompile(`^(?:else|elsif)\b`)
	attrWhenRe  = regexp.MustCompile(`^when\b`)
	attrDoRe    = regexp.MustCompile(`\bdo\s*(?:\|[^|]*\|)?\s*(?:#.*)?$`)
	attrEndRe   = regexp.MustCompile(`^end\b`)
	attrModRe   = regexp.MustCompile(`\s(?:if|unless|while|until)\s`)
	attrBraceRe = regexp.MustCompile(`\{\s*(?:\|[^|]*\|)?\s*$`)
)

// scanAttrs adds the attribute paths src assigns; top is whether src is
// an attributes file or a recipe (whose top-level sets are hoisted to
// one), whose top-level assignments always set their path,
// as does an if/elsif/else or case/when/else whose every branch sets it.
func (k knownAttrs) scanAttrs(src string, top bool) {
	type frame struct {
		cond     bool // if/unless/case: its branches may add up to always
		branches []map[string]bool
		hasElse  bool
		sawWhen  bool
	}
	stack := []*frame{{cond: true, branches: []map[string]bool{{}}, hasElse: true}}
	// levels are the locals bound to an attribute level or subtree, by
	// the keys below the precedence: d of default.a.tap do |d| is [a]
	levels := map[string][]string{}
	record := func(line string, loc []int, keys []string) {
		p := strings.Join(keys, "\x00")
		k.assigned(p, assignedKind(line, loc))
		if cur := stack[len(stack)-1]; top && cur.cond && !attrModRe.MatchString(line) {
			cur.branches[len(cur.branches)-1][p] = true
		}
	}
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "#") {
			continue
		}
		off := len(line) - len(strings.TrimLeft(line, " \t"))
		if m := attrLocalRe.FindStringSubmatch(t); m != nil {
			if keys, ok := segKeys(m[2]); ok {
				levels[m[1]] = keys
			}
		} else if m := attrBindRe.FindStringSubmatch(t); m != nil {
			delete(levels, m[1]) // bound to another value
		} else if m := attrDotSet.FindStringSubmatchIndex(t); m != nil {
			head, segs := t[m[2]:m[3]], t[m[4]:m[5]]
			prefix, isLevel := levels[head]
			root := !isLevel && strings.Contains(segs, ".") && attrRootRe.MatchString(head)
			if keys, ok := segKeys(segs); ok && len(prefix)+len(keys) > 0 && (isLevel || root) {
				record(line, []int{off + m[0], off + m[1]}, append(append([]string(nil), prefix...), keys...))
			}
		}
		tap := attrTapRe.FindStringSubmatch(t)
		f := stack[len(stack)-1]
		switch {
		case len(stack) > 1 && (attrEndRe.MatchString(t) || strings.HasPrefix(t, "}")):
			stack = stack[:len(stack)-1]
			if f.cond && f.hasElse {
				parent := stack[len(stack)-1]
				for p := range f.branches[0] {
					all := true
					for _, b := range f.branches[1:] {
						all = all && b[p]
					}
					if all && parent.cond {
						parent.branches[len(parent.branches)-1][p] = true
					}
				}
			}
		case f.cond && (attrElseRe.MatchString(t) || attrWhenRe.MatchString(t)):
			if strings.HasPrefix(t, "when") && !f.sawWhen {
				f.sawWhen = true
				break // the first when of a case
			}
			if strings.HasPrefix(t, "else") && !strings.HasPrefix(t, "elsif") {
				f.hasElse = true
			}
			f.branches = append(f.branches, map[string]bool{})
		}
		for _, loc := range attrSetRe.FindAllStringSubmatchIndex(line, -1) {
			var keys []string
			for _, km := range attrKeyRe.FindAllStringSubmatch(line[loc[2]:loc[3]], -1) {
				keys = append(keys, km[1]+km[2]+km[3])
			}
			if len(keys) == 0 {
				continue
			}
			record(line, loc, keys)
		}
		switch {
		case tap != nil:
			// the block of tap runs once, where it is: its sets are the
			// statements around it
			if keys, ok := segKeys(tap[1]); ok {
				levels[tap[2]+tap[3]] = keys
			}
			stack = append(stack, &frame{cond: true, branches: []map[string]bool{{}}, hasElse: true})
		case attrCondRe.MatchString(t) && !strings.HasSuffix(t, " end"):
			stack = append(stack, &frame{cond: true, branches: []map[string]bool{{}}})
		case attrOpenRe.MatchString(t) && !strings.HasSuffix(t, " end") || attrDoRe.MatchString(t) || attrBraceRe.MatchString(t):
			stack = append(stack, &frame{})
		}
	}
	for p := range stack[0].branches[0] {
		a := k[p]
		a.always = true
		k[p] = a
	}
}

// assigned records an assignment of a value of kind lit to path p.
func (k knownAttrs) assigned(p string, lit litKind) {
	a := k[p]
	a.lits |= lit
	k[p] = a
}

// attrsOf are the attributes the cookbook in dir sets, in its attribute
// files and recipes (a recipe's top-level sets are hoisted to an
// attributes file).
func attrsOf(dir string) knownAttrs {
	k := knownAttrs{}
	for _, sub := range []string{"attributes", "recipes"} {
		files, _ := filepath.Glob(filepath.Join(dir, sub, "*.rb"))
		for _, f := range files {
			if src, err := os.ReadFile(f); err == nil {
				k.scanAttrs(string(src), true)
			}
		}
	}
	return k
}

// add adds the paths of o to k; always false adds them as set
// conditionally only.
func (k knownAttrs) add(o knownAttrs, always bool) {
	for p, a := range o {
		b := k[p]
		b.always = b.always || a.always && always
		b.lits |= a.lits
		k[p] = b
	}
}

// scanCookbookAttrs records, before any cookbook is written, the
// attributes the cookbook in dir sets and the cookbooks it depends on.
func scanCookbookAttrs(r *Report, dir string) {
	name := cookbookName(dir)
	if _, dup := r.cbAttrs[name]; dup {
		return
	}
	if r.cbAttrs == nil {
		r.cbAttrs, r.cbDeps = map[string]knownAttrs{}, map[string][]string{}
	}
	r.cbAttrs[name] = attrsOf(dir)
	if m := cookbookMetadata(dir); m != nil {
		for _, d := range m.depends {
			r.cbDeps[name] = append(r.cbDeps[name], d[0])
		}
	}
}

// addRunAttrs adds to k, the attributes of cookbook name, those the other
// cookbooks of the migration set. Chef loads the attribute files of a
// cookbook's dependencies, at any depth, before its own: what one always
// sets is always set. A cookbook it does not depend on may be left out of
// a node's run list, so what that one sets may be set only.
func (r *Report) addRunAttrs(k knownAttrs, name string, deps [][2]string) {
	dep := map[string]bool{}
	var queue []string
	for _, d := range deps {
		queue = append(queue, d[0])
	}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		if dep[d] || d == name {
			continue
		}
		dep[d] = true
		queue = append(queue, r.cbDeps[d]...)
	}
	for _, cb := range sortedKeys(r.cbAttrs) {
		if cb != name {
			k.add(r.cbAttrs[cb], dep[cb])
		}
	}
}

// alwaysDefines reports whether an attribute at path is always set: an
// unconditionally assigned path is path itself, holds it or lies under it.
// A nil set defines every path.
func (k knownAttrs) alwaysDefines(path []string) bool {
	if k == nil {
		return true
	}
	p := strings.Join(path, "\x00")
	for a, info := range k {
		if info.always && (a == p || strings.HasPrefix(p, a+"\x00") || strings.HasPrefix(a, p+"\x00")) {
			return true
		}
	}
	return false
}

// attrsBeforeFiles are, for each attribute file of the cookbook name in
// dir (by stem), the attribute paths always set before Chef loads it:
// those the Chef repository's nodes and roles set, those the cookbook's
// dependencies always set (addRunAttrs) and those the cookbook's
// attribute files loaded before it always set (default.rb first, then
// the others by name, as Chef and converge load them).
func (r *Report) attrsBeforeFiles(dir, name string, deps [][2]string) map[string]knownAttrs {
	acc := knownAttrs{}
	acc.scanRepoJSON(filepath.Dir(filepath.Dir(dir)))
	r.addRunAttrs(acc, name, deps)
	files, _ := filepath.Glob(filepath.Join(dir, "attributes", "*.rb"))
	sort.SliceStable(files, func(i, j int) bool {
		di, dj := filepath.Base(files[i]) == "default.rb", filepath.Base(files[j]) == "default.rb"
		if di != dj {
			return di
		}
		return files[i] < files[j]
	})
	out := map[string]knownAttrs{}
	for _, f := range files {
		before := knownAttrs{}
		before.add(acc, true)
		out[strings.TrimSuffix(filepath.Base(f), ".rb")] = before
		if src, err := os.ReadFile(f); err == nil {
			k := knownAttrs{}
			k.scanAttrs(string(src), true)
			acc.add(k, true)
		}
	}
	return out
}

// scanAttrsBefore adds to attrsBefore, in an attributes file, what the
// file's top-level statements before line sets.
func (e *emitter) scanAttrsBefore(line int) {
	if e.kind != kindAttributes || e.attrsBefore == nil || line-1 <= e.attrsScanned || line-1 > len(e.src) {
		return
	}
	k := knownAttrs{}
	k.scanAttrs(strings.Join(e.src[e.attrsScanned:line-1], "\n"), true)
	e.attrsBefore.add(k, true)
	e.attrsScanned = line - 1
}

// attrFileRead translates, in an attributes file, node['a']['b']...
// whose path is not always set before the statement (attrsBefore): Ruby
// reads a key not set yet as nil, so it is .get from the first level
// that may be absent, None when unset. (default['a']['b'] = node['a']['c']
// reads node['a'] before Starlark sets default['a']['b'].) A namespace no
// cookbook sets is Ohai's, read as it is.
func (e *emitter) attrFileRead(v *ruby.IndexExpr) (sx, bool) {
	if e.kind != kindAttributes || e.attrsBefore == nil || e.lib == nil || e.lib.attrs == nil {
		return sx{}, false
	}
	keys, ok := literalNodePath(v)
	if !ok || facts[keys[0]] || !e.lib.attrs.defines(keys[:1]) && ohaiKeys[keys[0]] {
		return sx{}, false
	}
	strict := 0
	for strict < len(keys) && e.attrsBefore.alwaysDefines(keys[:strict+1]) {
		strict++
	}
	if strict == len(keys) {
		return sx{}, false
	}
	cur := ruby.Expr(v)
	for i := len(keys); i > strict; i-- {
		cur = cur.(*ruby.IndexExpr).Recv
	}
	code := e.expr(cur).in(pPostfix)
	for i := strict; i < len(keys); i++ {
		if i < len(keys)-1 {
			code += ".get(" + starQuote(keys[i]) + ", {})"
		} else {
			code += ".get(" + starQuote(keys[i]) + ")"
		}
	}
	return sx{code: code, prec: pPostfix, none: true}, true
}

// optionalNodeRead translates node['a']['b']... whose path the cookbook
// does not always set as .get from the first level that may be absent,
// None when unset as in Chef.
func (e *emitter) optionalNodeRead(v *ruby.IndexExpr) (sx, bool) {
	if e.kind == kindAttributes {
		return e.attrFileRead(v)
	}
	if e.lib == nil || e.lib.attrs == nil {
		return sx{}, false
	}
	keys, ok := literalNodePath(v)
	if !ok || facts[keys[0]] || e.lib.attrs.alwaysDefines(keys) {
		return sx{}, false
	}
	j := 2 // node['x'] alone is a whole cookbook's namespace
	if !e.lib.attrs.defines(keys[:1]) {
		if ohaiKeys[keys[0]] {
			return sx{}, false // node['kernel'], node['cpu']: Ohai's, set at run time
		}
		// neither a cookbook nor Ohai sets it: nil in Chef, unless a
		// node or role the migration does not see does
		j = 1
	} else if len(keys) < 2 {
		return sx{}, false
	}
	for j < len(keys) && e.lib.attrs.alwaysDefines(keys[:j]) {
		j++
	}
	cur := ruby.Expr(v)
	for i := len(keys); i > j-1; i-- {
		cur = cur.(*ruby.IndexExpr).Recv
	}
	code := e.expr(cur).in(pPostfix)
	for i := j - 1; i < len(keys); i++ {
		if i < len(keys)-1 {
			code += ".get(" + starQuote(keys[i]) + ", {})"
		} else {
			code += ".get(" + starQuote(keys[i]) + ")"
		}
	}
	return sx{code: code, prec: pPostfix, none: true}, true
}

// ohaiKeys are the top-level attributes Ohai sets (its plugins'), which
// a node has though no cookbook sets them: those converge's facts do not
// hold stay strict reads, an error that names them, rather than a nil
// that would take the other branch on the machines Ohai knows them on.
var ohaiKeys = map[string]bool{
	"azure": true, "block_device": true, "chef_packages": true, "cloud": true, "command": true,
	"counters": true, "cpu": true, "current_user": true, "digital_ocean": true, "dmi": true,
	"docker": true, "domain": true, "ec2": true, "etc": true, "filesystem": true, "fips": true,
	"fqdn": true, "gce": true, "hostname": true, "hostnamectl": true, "idletime": true,
	"idletime_seconds": true, "init_package": true, "ip6address": true, "ipaddress": true,
	"kernel": true, "keys": true, "languages": true, "linode": true, "lsb": true, "machine_id": true,
	"machinename": true, "macaddress": true, "memory": true, "network": true, "ohai_time": true,
	"openstack": true, "os": true, "os_version": true, "packages": true, "platform": true,
	"platform_build": true, "platform_family": true, "platform_version": true, "rackspace": true,
	"root_group": true, "scsi": true, "sessions": true, "shard_seed": true, "shells": true,
	"softlayer": true, "sysconf": true, "systemd_paths": true, "time": true, "uptime": true,
	"uptime_seconds": true, "virtualbox": true, "virtualization": true, "vmware": true,
	"zpools": true, "eucalyptus": true, "alibaba": true, "oci": true, "scaleway": true,
	"libvirt": true, "mdadm": true, "selinux": true, "hardware": true, "grub2": true,
}

// defines reports whether an attribute at path may be set: an assigned
// path is path itself, holds it (a hash assigned whole) or lies under it.
// A nil set (a file translated alone) defines every path.
func (k knownAttrs) defines(path []string) bool {
	if k == nil {
		return true
	}
	p := strings.Join(path, "\x00")
	for a := range k {
		if a == p || strings.HasPrefix(p, a+"\x00") || strings.HasPrefix(a, p+"\x00") {
			return true
		}
	}
	return false
}

// literalNodePath is the keys of node['a']['b']... when each is a literal.
func literalNodePath(x *ruby.IndexExpr) ([]string, bool) {
	var keys []string
	var cur ruby.Expr = x
	for {
		ix, ok := cur.(*ruby.IndexExpr)
		if !ok {
			break
		}
		if len(ix.Args) != 1 {
			return nil, false
		}
		k, ok := literalKey(ix.Args[0])
		if !ok {
			return nil, false
		}
		keys = append([]string{k}, keys...)
		cur = ix.Recv
	}
	if !isNodeCall(cur) {
		return nil, false
	}
	return keys, true
}

// unsetAttrCond translates a condition on an attribute the cookbook never
// sets as a .get of its last key, None when unset as in Chef.
func (e *emitter) unsetAttrCond(x ruby.Expr) (sx, bool) {
	ix, ok := x.(*ruby.IndexExpr)
	if !ok || e.lib == nil {
		return sx{}, false
	}
	if v, ok := e.attrFileRead(ix); ok {
		return v, true // the whole path, .get where it may be unset
	}
	keys, ok := literalNodePath(ix)
	if !ok || len(keys) < 2 || e.lib.attrs.defines(keys) {
		return sx{}, false // node['x'] alone: a whole cookbook's namespace
	}
	return atom(e.expr(ix.Recv).in(pPostfix) + ".get(" + starQuote(keys[len(keys)-1]) + ")"), true
}

// scanRepoJSON marks as always set the attributes the Chef repository at
// repo sets in nodes/*.json and roles/*.json: those are set at run time,
// so reading them stays strict.
func (k knownAttrs) scanRepoJSON(repo string) {
	for _, sub := range []string{"nodes", "roles"} {
		files, _ := filepath.Glob(filepath.Join(repo, sub, "*.json"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			var m map[string]any
			if decodeJSONNumbers(b, &m) != nil {
				continue
			}
			k.markJSON(nil, m)
			for _, w := range []string{"normal", "default", "override", "automatic", "default_attributes", "override_attributes"} {
				if sm, ok := m[w].(map[string]any); ok {
					k.markJSON(nil, sm)
				}
			}
		}
	}
}

// scanEnvironmentKinds adds to the attributes already known the kinds of
// the values the Chef repository's environments/*.json give them: an
// environment applies to some nodes only, so it sets none always.
func (k knownAttrs) scanEnvironmentKinds(repo string) {
	files, _ := filepath.Glob(filepath.Join(repo, "environments", "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var m map[string]any
		if decodeJSONNumbers(b, &m) != nil {
			continue
		}
		for _, w := range []string{"default_attributes", "override_attributes"} {
			if sm, ok := m[w].(map[string]any); ok {
				k.addJSONKinds(nil, sm)
			}
		}
	}
}

// decodeJSONNumbers decodes b into m with its numbers as json.Number, so
// that 3 and 3.0 stay apart (jsonKind).
func decodeJSONNumbers(b []byte, m *map[string]any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(m)
}

func (k knownAttrs) addJSONKinds(path []string, m map[string]any) {
	for key, v := range m {
		p := append(append([]string(nil), path...), key)
		if sm, ok := v.(map[string]any); ok {
			k.addJSONKinds(p, sm)
			continue
		}
		if a, ok := k[strings.Join(p, "\x00")]; ok {
			a.lits |= jsonKind(v)
			k[strings.Join(p, "\x00")] = a
		}
	}
}

func (k knownAttrs) markJSON(path []string, m map[string]any) {
	for key, v := range m {
		p := append(append([]string(nil), path...), key)
		a := k[strings.Join(p, "\x00")]
		a.always = true
		if sm, ok := v.(map[string]any); ok {
			k[strings.Join(p, "\x00")] = a
			k.markJSON(p, sm)
			continue
		}
		a.lits |= jsonKind(v)
		k[strings.Join(p, "\x00")] = a
	}
}

var attrReadRe = regexp.MustCompile(`@?\bnode((?:\[\s*(?:'[^']*'|"[^"#]*"|:[A-Za-z_][A-Za-z0-9_]*)\s*\])+)`)

// neverSet lists the attribute paths src reads, in a namespace the
// cookbook sets, that nothing sets: Chef reads them as nil, and they may
// be a misspelt name.
func (k knownAttrs) neverSet(src string, seen map[string]bool) []string {
	var out []string
	for _, m := range attrReadRe.FindAllStringSubmatch(src, -1) {
		var keys []string
		for _, km := range attrKeyRe.FindAllStringSubmatch(m[1], -1) {
			keys = append(keys, km[1]+km[2]+km[3])
		}
		if len(keys) < 2 || !k.defines(keys[:1]) || k.defines(keys) {
			continue
		}
		p := "node['" + strings.Join(keys, "']['") + "']"
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}
