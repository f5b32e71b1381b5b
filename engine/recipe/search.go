package recipe

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"go.starlark.net/starlark"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/inventory"
)

// search(INDEX, QUERY="*:*") is Chef's search, answered at compile time
// from the repository: index "node" searches the nodes of nodes/*.json and
// of the run (cluster.nodes, with their facts), any other index the items
// of data_bags/INDEX. It reads no node: a no-op converge stays one probe.

// searchRec is one thing search can find: its value and the fields a
// query matches.
type searchRec struct {
	name   string
	value  starlark.Value
	fields searchFields
}

func (c *compiler) builtinSearch(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var index string
	query := "*:*"
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "index", &index, "query?", &query); err != nil {
		return nil, err
	}
	pos := callerPos(thread)
	what := fmt.Sprintf("search(%q, %q)", index, query)
	q, err := parseQuery(query)
	if err != nil {
		return nil, &engine.Diagnostic{Pos: pos, Summary: what + ": " + err.Error(), Detail: queryHelp}
	}
	var recs []searchRec
	if index == "node" {
		recs, err = c.searchNodes()
		if err != nil {
			return nil, &engine.Diagnostic{Pos: pos, Summary: what + ": " + err.Error()}
		}
	} else {
		if err := checkBagName(pos, what, "bag", index); err != nil {
			return nil, err
		}
		recs, err = c.searchBag(pos, what, index)
		if err != nil {
			return nil, err
		}
	}
	var out []starlark.Value
	for _, r := range recs {
		if q.match(r.fields) {
			out = append(out, r.value)
		}
	}
	l := starlark.NewList(out)
	l.Freeze()
	return l, nil
}

// searchBag is the items of data bag bag, sorted by id.
func (c *compiler) searchBag(pos engine.Pos, what, bag string) ([]searchRec, error) {
	names, err := c.repo.bagItems(bag)
	if err != nil {
		return nil, &engine.Diagnostic{Pos: pos, Summary: what + ": " + err.Error(),
			Detail: fmt.Sprintf("search(INDEX, ...) searches the nodes with \"node\", else the items of data bag INDEX: %s", filepath.Join(c.repo.Root, "data_bags", bag, "ITEM.json"))}
	}
	var recs []searchRec
	for _, n := range names {
		v, err := c.repo.team.get("data_bag_item:"+bag+"/"+n, func() (starlark.Value, error) {
			return c.repo.openItem(pos, fmt.Sprintf("data_bag_item(%q, %q)", bag, n), bag, n)
		})
		if err != nil {
			return nil, err
		}
		f := searchFields{}
		flattenStarlark(f, "", "", v)
		f["id"] = []string{n}
		f["data_bag"] = []string{bag}
		f["chef_type"] = []string{"data_bag_item"}
		recs = append(recs, searchRec{name: n, value: v, fields: f})
	}
	return recs, nil
}

// searchNodes is every node search knows, sorted by name: those of
// nodes/*.json and those of the run, once per compile.
func (c *compiler) searchNodes() ([]searchRec, error) {
	if c.searchRecs != nil {
		return c.searchRecs, nil
	}
	files, err := c.repo.inventoryFiles()
	if err != nil {
		return nil, err
	}
	byName := map[string]inventory.File{}
	for _, f := range files {
		byName[f.Name] = f
	}
	run := map[string]ClusterMember{}
	for _, m := range c.in.Cluster {
		run[m.Name] = m
		if _, ok := byName[m.Name]; !ok {
			byName[m.Name] = inventory.File{Name: m.Name, Environment: inventory.DefaultEnvironment}
		}
	}
	if c.in.Name != "" {
		// the node being compiled: its run list, environment and normal
		// attributes are the run's (-r, -j, -a)
		f, ok := byName[c.in.Name]
		if !ok {
			f = inventory.File{Name: c.in.Name}
		}
		if len(c.in.RunList) > 0 {
			f.RunList = c.in.RunList
		}
		f.Environment = c.node.Environment
		f.Normal = deepMerge(nil, deepMerge(nil, map[string]any{}, f.Normal), c.in.Normal)
		byName[c.in.Name] = f
		if _, ok := run[c.in.Name]; !ok {
			run[c.in.Name] = ClusterMember{Name: c.in.Name, Facts: c.in.Facts}
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	recs := make([]searchRec, 0, len(names))
	for _, n := range names {
		f := byName[n]
		var facts map[string]any
		if m, ok := run[n]; ok {
			facts = m.Facts.Map()
		}
		rec, err := c.repo.nodeRecord(f, facts)
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	c.searchRecs = recs
	return recs, nil
}

// nodeRecord is what search gives of one node: its attributes, merged as
// Chef merges them (file default < role default < normal < file override <
// role override < automatic < the facts of the run), under name,
// chef_environment, run_list, roles, recipes and tags.
func (r *Repo) nodeRecord(f inventory.File, facts map[string]any) (searchRec, error) {
	env := f.Environment
	if env == "" {
		env = inventory.DefaultEnvironment
	}
	var roles, recipes []string
	var roleDef, roleOvr map[string]any
	entries, d, o, err := r.expand(f.RunList, &roleWalk{done: map[string]bool{}})
	if err == nil {
		roleDef, roleOvr = d, o
		for _, e := range uniqueEntries(entries) {
			recipes = append(recipes, e.String())
		}
	} else {
		// a role without a file: its name, as the run list gives it
		for _, it := range f.RunList {
			if m := recipeRe.FindStringSubmatch(it); m != nil {
				e := Entry{Cookbook: m[1], Recipe: m[2]}
				if e.Recipe == "" {
					e.Recipe = "default"
				}
				recipes = append(recipes, e.String())
			}
		}
	}
	roles, err = inventory.Roles(f.RunList, r.RolesDir)
	if err != nil {
		return searchRec{}, fmt.Errorf("node %s: %v", f.Name, err)
	}
	// search results are JSON (sorted keys), so no order is kept here
	attrs := deepMerge(nil, map[string]any{}, f.Default)
	for _, l := range []map[string]any{roleDef, f.Normal, f.Override, roleOvr, f.Automatic, facts} {
		attrs = deepMerge(nil, attrs, l)
	}
	var tags []string
	if l, ok := attrs["tags"].([]any); ok {
		for _, x := range l {
			if s, ok := x.(string); ok {
				tags = append(tags, s)
			}
		}
	}
	strs := func(l []string) []any {
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out
	}
	attrs["name"] = f.Name
	attrs["chef_environment"] = env
	attrs["run_list"] = strs(f.RunList)
	attrs["roles"] = strs(roles)
	attrs["recipes"] = strs(recipes)
	attrs["tags"] = strs(tags)
	// one representation for every number: through JSON, as node files are
	b, err := json.Marshal(attrs)
	if err != nil {
		return searchRec{}, fmt.Errorf("node %s: %v", f.Name, err)
	}
	doc, docOrd, err := decodeObject(b)
	if err != nil {
		return searchRec{}, fmt.Errorf("node %s: %v", f.Name, err)
	}
	fields := searchFields{}
	flattenGo(fields, "", "", doc)
	fields["role"] = roles
	fields["roles"] = roles
	var rs []string
	for _, x := range recipes {
		rs = append(rs, x)
		if cb, ok := strings.CutSuffix(x, "::default"); ok {
			rs = append(rs, cb)
		}
	}
	fields["recipe"], fields["recipes"] = rs, rs
	fields["tag"] = tags
	v := jsonToStarlark(doc, docOrd)
	v.Freeze()
	return searchRec{name: f.Name, value: v, fields: fields}, nil
}

// inventoryFiles reads every nodes/*.json of the repository, once.
func (r *Repo) inventoryFiles() ([]inventory.File, error) {
	v, err := r.team.get("search:nodes", func() (starlark.Value, error) {
		files, err := inventory.ReadDir(filepath.Join(r.Root, "nodes"))
		if err != nil {
			return nil, err
		}
		return inventoryValue(files), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(inventoryValue), nil
}

// inventoryValue carries the inventory in the team cache.
type inventoryValue []inventory.File

func (inventoryValue) String() string        { return "inventory" }
func (inventoryValue) Type() string          { return "inventory" }
func (inventoryValue) Freeze()               {}
func (inventoryValue) Truth() starlark.Bool  { return true }
func (inventoryValue) Hash() (uint32, error) { return 0, errors.New("unhashable: inventory") }

// flattenGo indexes decoded JSON as Chef's search does: a nested key is
// its path joined with "_" (apache_listen_ports), and here also with "."
// (apache.listen_ports); each element of a list is a value of the list's
// field.
func flattenGo(f searchFields, us, dot string, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if us == "" {
				flattenGo(f, k, k, e)
			} else {
				flattenGo(f, us+"_"+k, dot+"."+k, e)
			}
		}
	case []any:
		for _, e := range x {
			flattenGo(f, us, dot, e)
		}
	default:
		if us == "" {
			return
		}
		s := "null"
		if x != nil {
			s = fmt.Sprint(x)
		}
		f[us] = append(f[us], s)
		if dot != us {
			f[dot] = append(f[dot], s)
		}
	}
}

// flattenStarlark is flattenGo for a data bag item.
func flattenStarlark(f searchFields, us, dot string, v starlark.Value) {
	switch x := v.(type) {
	case *starlark.Dict:
		for _, it := range x.Items() {
			k, ok := starlark.AsString(it[0])
			if !ok {
				continue
			}
			if us == "" {
				flattenStarlark(f, k, k, it[1])
			} else {
				flattenStarlark(f, us+"_"+k, dot+"."+k, it[1])
			}
		}
	case *starlark.List:
		for i := 0; i < x.Len(); i++ {
			flattenStarlark(f, us, dot, x.Index(i))
		}
	default:
		if us == "" {
			return
		}
		s, ok := starlark.AsString(v)
		if b, isBool := v.(starlark.Bool); isBool {
			s, ok = fmt.Sprint(bool(b)), true
		}
		if !ok {
			s = v.String()
			if v == starlark.None {
				s = "null"
			}
		}
		f[us] = append(f[us], s)
		if dot != us {
			f[dot] = append(f[dot], s)
		}
	}
}
