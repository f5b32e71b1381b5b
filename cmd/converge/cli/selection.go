package cli

import (
	"os"
	"strings"

	"github.com/converge-cm/converge/engine/inventory"
)

// nodesDir holds the inventory: one NAME.json per node.
const nodesDir = "nodes"

// loadInventory reads every nodes/*.json, sorted by file name. A missing
// nodes/ is an empty inventory.
func loadInventory() ([]target, error) {
	files, err := inventory.ReadDir(nodesDir)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	out := make([]target, len(files))
	for i, f := range files {
		out[i] = fileTarget(f)
	}
	return out, nil
}

// rolesDirectory is roles/ when the repository has one.
func rolesDirectory() string {
	if st, err := os.Stat("roles"); err == nil && st.IsDir() {
		return "roles"
	}
	return ""
}

// inventoryNode is what selection sees of t.
func inventoryNode(t target, rolesDir string) (inventory.Node, error) {
	roles, err := inventory.Roles(t.RunList, rolesDir)
	if err != nil {
		return inventory.Node{}, usageErr("node %s: %v", t.Name, err)
	}
	return inventory.Node{Name: t.Name, Environment: t.Environment, Roles: roles, Tags: t.tags()}, nil
}

// selectTargets is the nodes of the inventory expr selects (every node
// for "*"), with their roles. Selecting none is a usage error naming expr.
func selectTargets(expr string) ([]target, [][]string, error) {
	e, err := inventory.Parse(expr)
	if err != nil {
		return nil, nil, usageErr("--nodes: %v", err)
	}
	all, err := loadInventory()
	if err != nil {
		return nil, nil, err
	}
	rolesDir := rolesDirectory()
	var out []target
	var roles [][]string
	var nodes []inventory.Node
	for _, t := range all {
		n, err := inventoryNode(t, rolesDir)
		if err != nil {
			return nil, nil, err
		}
		nodes = append(nodes, n)
	}
	if len(all) == 0 {
		return nil, nil, usageErr("selection %q: %s/ of %s holds no NAME.json; write one per node", expr, nodesDir, cwd())
	}
	if _, err := inventory.Select(e, nodes); err != nil {
		return nil, nil, usageErr("%v", err)
	}
	for i, n := range nodes {
		if e.Match(n) {
			out = append(out, all[i])
			roles = append(roles, n.Roles)
		}
	}
	return out, roles, nil
}

func cwd() string {
	d, err := os.Getwd()
	if err != nil {
		return "."
	}
	return d
}

// inventoryTargets is every node of the inventory, for a run that names
// none; each must have a run list when the run has no -r.
func (o *RunOptions) inventoryTargets() ([]target, error) {
	ts, err := loadInventory()
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, usageErr("name at least one node, select some with --nodes EXPR, or use --local (%s/ of %s holds no NAME.json to converge)", nodesDir, cwd())
	}
	return ts, nil
}

// checkRunLists refuses, before connecting, inventory nodes that have no
// run list of their own when the run gives none with -r.
func (o *RunOptions) checkRunLists(ts []target) error {
	if !o.needRunList || strings.TrimSpace(o.RunList) != "" {
		return nil
	}
	var missing []string
	for _, t := range ts {
		if len(t.RunList) == 0 {
			missing = append(missing, t.File)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return usageErr("%d of %d nodes have no run list: %s; add \"run_list\": [...] to each, or give one for every node with -r RUN_LIST", len(missing), len(ts), strings.Join(missing, ", "))
}

// targets resolves the nodes a run names: the NODE arguments, the --nodes
// selection, or, with neither (and no --local), every inventory node.
func (o *RunOptions) targets() ([]target, error) {
	var ts []target
	switch {
	case len(o.Nodes) > 0:
		seen := map[string]bool{}
		for _, a := range o.Nodes {
			t, err := resolveTarget(a)
			if err != nil {
				return nil, err
			}
			if seen[t.Name] {
				return nil, usageErr("node %s is named twice", t.Name)
			}
			seen[t.Name] = true
			ts = append(ts, t)
		}
		return ts, nil
	case o.NodesExpr != "":
		sel, _, err := selectTargets(o.NodesExpr)
		if err != nil {
			return nil, err
		}
		ts = sel
	case o.Local:
		return nil, nil
	default:
		all, err := o.inventoryTargets()
		if err != nil {
			return nil, err
		}
		ts = all
	}
	if err := o.checkRunLists(ts); err != nil {
		return nil, err
	}
	return ts, nil
}
