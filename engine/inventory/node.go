package inventory

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
)

// Node is what selection knows of one inventory node.
type Node struct {
	Name string
	// Environment is chef_environment; "_default" when the file has none.
	Environment string
	// Roles are the roles of the run list, with the roles they hold.
	Roles []string
	// Tags are Chef's tags (the node's "tags" list).
	Tags []string
}

// DefaultEnvironment is the environment of a node that names none.
const DefaultEnvironment = "_default"

var roleItem = regexp.MustCompile(`^\s*role\[([^\]]+)\]\s*$`)

// Roles lists the roles a run list holds, in order and each once: the
// role[NAME] items and, when rolesDir holds NAME.json, the roles of its
// run_list, transitively. A role without a file counts as itself (compiling
// the run list reports it); a role that holds itself is expanded once.
func Roles(runList []string, rolesDir string) ([]string, error) {
	var out []string
	var walk func(items []string) error
	walk = func(items []string) error {
		for _, it := range items {
			m := roleItem.FindStringSubmatch(it)
			if m == nil || slices.Contains(out, m[1]) {
				continue
			}
			out = append(out, m[1])
			if rolesDir == "" {
				continue
			}
			p := filepath.Join(rolesDir, m[1]+".json")
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			var r struct {
				RunList []string `json:"run_list"`
			}
			if err := json.Unmarshal(b, &r); err != nil {
				return fmt.Errorf("%s: %v", p, err)
			}
			if err := walk(r.RunList); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(runList); err != nil {
		return nil, err
	}
	return out, nil
}
