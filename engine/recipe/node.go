package recipe

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/keyorder"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// nodeValue is `node` in recipes: facts as attributes (node.platform) and
// merged attributes by key (node["drbd"]["port"]).
type nodeValue struct {
	n *engine.Node
	// live, in an attributes file, merges what the file has set so far
	// over the earlier files' attributes for each read, and gives the
	// merged maps' key order.
	live func() (map[string]any, *keyorder.Table)
	// ord is the key order of n.Attrs.
	ord *keyorder.Table
}

var (
	_ starlark.Mapping   = (*nodeValue)(nil)
	_ starlark.HasAttrs  = (*nodeValue)(nil)
	_ starlark.HasSetKey = (*nodeValue)(nil)
)

func newNodeValue(n *engine.Node, ord *keyorder.Table) *nodeValue {
	return &nodeValue{n: n, ord: ord}
}

// view reads the node's attributes as they are now: the compiler merges
// them again after each attribute file, and a library loaded by an early
// file must not keep the attributes of that moment.
func (v *nodeValue) view() *AttrView {
	if v.live != nil {
		m, ord := v.live()
		return &AttrView{m: m, ord: ord}
	}
	return &AttrView{m: v.n.Attrs, ord: v.ord}
}

func (v *nodeValue) String() string        { return "node(" + strconv.Quote(v.n.Name) + ")" }
func (v *nodeValue) Type() string          { return "node" }
func (v *nodeValue) Freeze()               {}
func (v *nodeValue) Truth() starlark.Bool  { return true }
func (v *nodeValue) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: node") }

func (v *nodeValue) Get(k starlark.Value) (starlark.Value, bool, error) { return v.view().Get(k) }

// SetKey refuses node[k] = v: attributes are set in attributes files.
func (v *nodeValue) SetKey(k, x starlark.Value) error { return v.view().SetKey(k, x) }

var nodeFacts = []string{"name", "hostname", "fqdn", "ipaddress", "platform", "platform_version",
	"platform_major", "platform_family", "init", "kernel", "machine", "cpu_count", "memory_mb", "interfaces", "chef_environment"}

// ohaiFacts are the facts with Ohai's names that node.X reads as
// node["X"] does, from the automatic attributes: node.lsb["codename"],
// node.network["interfaces"]. node.kernel is not among them: it stays the
// release string (SPEC 4.3), and node["kernel"] is Ohai's hash.
var ohaiFacts = []string{"os", "os_version", "root_group", "init_package", "domain", "lsb", "cpu",
	"memory", "network", "macaddress", "virtualization"}

func (v *nodeValue) AttrNames() []string {
	names := append(append([]string{}, nodeFacts...), ohaiFacts...)
	return append(names, "get", "keys", "items", "values", "attributes")
}

func (v *nodeValue) Attr(name string) (starlark.Value, error) {
	f := v.n.Facts
	switch name {
	case "name":
		return starlark.String(v.n.Name), nil
	case "hostname":
		return starlark.String(f.Hostname), nil
	case "fqdn":
		return starlark.String(f.FQDN), nil
	case "ipaddress":
		return starlark.String(f.IPAddress), nil
	case "platform":
		return starlark.String(f.Platform), nil
	case "platform_version":
		return starlark.String(f.PlatformVersion), nil
	case "platform_major":
		return starlark.MakeInt(platformMajor(f)), nil
	case "platform_family":
		return starlark.String(f.PlatformFamily), nil
	case "init":
		return starlark.String(f.Init), nil
	case "kernel":
		return starlark.String(f.Kernel), nil
	case "machine":
		return starlark.String(f.Machine), nil
	case "cpu_count":
		return starlark.MakeInt(f.CPUCount), nil
	case "memory_mb":
		return starlark.MakeInt(f.MemoryMB), nil
	case "interfaces":
		return fromGo(f.Interfaces, []string{"interfaces"}, nil), nil
	case "chef_environment":
		env := v.n.Environment
		if env == "" {
			env = DefaultEnvironment
		}
		return starlark.String(env), nil
	case "attributes":
		return v.view(), nil
	}
	if slices.Contains(ohaiFacts, name) {
		x, _, err := v.view().Get(starlark.String(name))
		return x, err
	}
	return v.view().Attr(name)
}

func platformMajor(f facts.Facts) int {
	s := f.PlatformVersion
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	n, _ := strconv.Atoi(s)
	return n
}

// ClusterMember is one node of the run, as recipes see it in cluster.nodes.
type ClusterMember struct {
	Name  string
	Facts facts.Facts
}

func clusterValue(members []ClusterMember) starlark.Value {
	nodes := make([]starlark.Value, len(members))
	for i, m := range members {
		f := m.Facts
		nodes[i] = starlarkstruct.FromStringDict(starlark.String("cluster_node"), starlark.StringDict{
			"name":             starlark.String(m.Name),
			"hostname":         starlark.String(f.Hostname),
			"fqdn":             starlark.String(f.FQDN),
			"ipaddress":        starlark.String(f.IPAddress),
			"platform":         starlark.String(f.Platform),
			"platform_version": starlark.String(f.PlatformVersion),
			"platform_family":  starlark.String(f.PlatformFamily),
			"index":            starlark.MakeInt(i),
			"id":               starlark.MakeInt(i + 1),
		})
	}
	list := starlark.NewList(nodes)
	list.Freeze()
	var first starlark.Value = starlark.None
	if len(nodes) > 0 {
		first = nodes[0]
	}
	return starlarkstruct.FromStringDict(starlark.String("cluster"), starlark.StringDict{
		"nodes": list,
		"first": first,
		"size":  starlark.MakeInt(len(nodes)),
	})
}
