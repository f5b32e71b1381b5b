package recipe_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
)

// TestCompile_OhaiAttributes reads Ohai's facts the ways code migrated
// from Chef does, node["kernel"]["machine"] and friends, for the facts
// recorded on Rocky 9 and for facts recorded before converge gathered
// Ohai's (which are derived), and checks that node.kernel stays the
// release string.
func TestCompile_OhaiAttributes(t *testing.T) {
	out, err := os.ReadFile(filepath.Join("..", "..", "testdata", "facts", "rocky-9.txt"))
	if err != nil {
		t.Fatal(err)
	}
	rocky, err := facts.Parse(string(out))
	if err != nil {
		t.Fatal(err)
	}
	exprs := []string{
		`node["kernel"]["machine"]`,
		`node["kernel"]["release"] == node.kernel`,
		`node.kernel`,
		`node["os"]`,
		`node.os_version`,
		`node["platform_version"]`,
		`node["lsb"]["codename"]`,
		`node.lsb["id"]`,
		`node["cpu"]["total"]`,
		`node["memory"]["total"]`,
		`node["network"]["default_interface"]`,
		`node["network"]["default_gateway"]`,
		`node["network"]["interfaces"]["eth1"]["addresses"]["203.0.113.7"]["netmask"]`,
		`sorted([a for a, v in node.network["interfaces"]["eth1"]["addresses"].items() if v["family"] == "inet"])`,
		`node["virtualization"]["system"]`,
		`node["virtualization"]["role"]`,
		`node["init_package"]`,
		`node["root_group"]`,
		`node["domain"]`,
		`node["macaddress"]`,
		`node.hostname`,
		`node["hostname"]`,
	}
	got := attrValues(t, map[string]string{}, recipe.Input{Name: "rocky9", Facts: rocky}, exprs...)
	checkValues(t, exprs, got, []string{
		`x86_64`, `True`, `5.14.0-362.8.1.el9_3.x86_64`, `linux`, `5.14.0-362.8.1.el9_3.x86_64`, `9.3`,
		`BlueOnyx`, `Rocky`, `4`, `7869136kB`, `eth1`, `203.0.113.1`, `255.255.255.0`, `["203.0.113.7"]`,
		`kvm`, `guest`, `systemd`, `root`, `lab.example`, `52:54:00:12:34:07`, `rocky9`, `rocky9`,
	})

	// centos7() has only converge's own facts, as a facts file recorded
	// before this change
	exprs = []string{
		`node["kernel"]["machine"]`, `node["kernel"]["release"]`, `node["os"]`, `node["os_version"]`,
		`node["lsb"]["codename"]`, `node["cpu"]["total"]`, `node["memory"]["total"]`, `node["domain"]`,
		`node["virtualization"]["system"]`, `node["network"]["interfaces"]`,
	}
	got = attrValues(t, map[string]string{}, recipe.Input{Name: "db1", Facts: centos7()}, exprs...)
	checkValues(t, exprs, got, []string{
		`x86_64`, `3.10.0`, `linux`, `3.10.0`, `Core`, `2`, `2097152kB`, `example.com`, ``, `{}`,
	})
}
