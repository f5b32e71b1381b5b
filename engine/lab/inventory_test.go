package lab

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInventoryJSON_NewNode(t *testing.T) {
	b, err := inventoryJSON(nil, "n1", "10.213.0.10", "/repo/.converge/lab/id_ed25519")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Name     string            `json:"name"`
		Converge inventoryConverge `json:"converge"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	want := inventoryConverge{Host: "10.213.0.10", User: "root", Port: 22, Identity: "/repo/.converge/lab/id_ed25519"}
	if got.Name != "n1" || got.Converge != want {
		t.Errorf("got %+v, want name n1 and %+v", got, want)
	}
}

func TestInventoryJSON_KeepsRunListAndAttributes(t *testing.T) {
	old := []byte(`{"name":"n1","run_list":["recipe[pm_corosync]"],"converge":{"host":"10.213.0.99"},"pm_corosync":{"vip_ipaddr":"10.213.0.100"}}`)
	b, err := inventoryJSON(old, "n1", "10.213.0.10", "/k")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"recipe[pm_corosync]"`, `"vip_ipaddr": "10.213.0.100"`, `"host": "10.213.0.10"`} {
		if !strings.Contains(s, want) {
			t.Errorf("inventory lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, "10.213.0.99") {
		t.Errorf("old address kept:\n%s", s)
	}
}

func TestReplaceKnownHost(t *testing.T) {
	old := strings.Join([]string{
		"# converge",
		"10.213.0.10 ssh-ed25519 AAAAold",
		"github.com ssh-ed25519 AAAAgh",
		"[10.213.0.10]:22 ssh-rsa AAAAold2",
		"10.213.0.100,10.213.0.10 ssh-ed25519 AAAAold3",
		"10.213.0.11 ssh-ed25519 AAAApeer",
		"[10.213.0.10]:2222 ssh-ed25519 AAAAotherport",
		"",
	}, "\n")
	got := replaceKnownHost(old, "10.213.0.10", "ssh-ed25519 AAAAnew")
	want := strings.Join([]string{
		"# converge",
		"github.com ssh-ed25519 AAAAgh",
		"10.213.0.11 ssh-ed25519 AAAApeer",
		"[10.213.0.10]:2222 ssh-ed25519 AAAAotherport",
		"10.213.0.10 ssh-ed25519 AAAAnew",
		"",
	}, "\n")
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if got := replaceKnownHost("10.213.0.10 ssh-ed25519 AAAA\n", "10.213.0.10", ""); got != "" {
		t.Errorf("removing the only line left %q", got)
	}
}

func TestEnsureKey_GeneratesOnceAndKeeps(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lab", "id_ed25519")
	a, err := ensureKey(p, "converge-lab")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a, "ssh-ed25519 ") || !strings.HasSuffix(a, " converge-lab") {
		t.Errorf("public key %q is not an ed25519 authorized_keys line", a)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("private key mode: %v %v, want 0600", fi, err)
	}
	b, err := ensureKey(p, "converge-lab")
	if err != nil || a != b {
		t.Errorf("second ensureKey made a new key: %q vs %q (%v)", a, b, err)
	}
}

func TestHostsFile_ListsEveryNodeInAddressOrder(t *testing.T) {
	got := hostsFile(map[string]nodeState{
		"n2": {Name: "n2", Index: 1, Address: "10.213.0.11"},
		"n1": {Name: "n1", Index: 0, Address: "10.213.0.10"},
	})
	if !strings.Contains(got, "127.0.0.1\tlocalhost\n") || !strings.HasSuffix(got, "10.213.0.10\tn1\n10.213.0.11\tn2\n") {
		t.Errorf("hosts file:\n%s", got)
	}
}
