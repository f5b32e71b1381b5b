package cookbooks_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/engine/secrets"
	"github.com/converge-cm/converge/engine/secrets/agetest"
	"github.com/converge-cm/converge/resources"
)

// TestPmCorosync_PasswordAndAuthkeyFromSecretOrAttribute compiles the pcs
// and crm paths against a repository whose secrets/pm_corosync.age holds
// the hacluster password and the corosync authkey (real age encryption):
// the recipes take them from there, every resource holding them is
// sensitive, and an attribute (-a, nodes/NAME.json) still wins. Without
// the secret file, the pcs path asks for the password and names both
// places.
func TestPmCorosync_PasswordAndAuthkeyFromSecretOrAttribute(t *testing.T) {
	dir := t.TempDir()
	idFile := filepath.Join(dir, "age.txt")
	recipient := agetest.IdentityFile(t, idFile)
	st := secrets.NewStore(dir)
	os.MkdirAll(st.Dir, 0o755)
	os.WriteFile(filepath.Join(st.Dir, secrets.RecipientsFile), []byte(recipient+"\n"), 0o644)
	const pw, key = "pw-from-the-secret", "authkey-from-the-secret-0123456789abcdef"
	if err := st.Write("pm_corosync", []byte(`{"hacluster_password": "`+pw+`", "corosync_authkey": "`+key+`"}`)); err != nil {
		t.Fatal(err)
	}
	f := facts.Facts{Hostname: "n1", FQDN: "n1", IPAddress: "10.0.0.1", Platform: "centos", PlatformVersion: "7.1.1503",
		PlatformFamily: "rhel", Init: "systemd", Kernel: "3.10.0", Machine: "x86_64", CPUCount: 2, MemoryMB: 2048}
	compile := func(t *testing.T, root string, runList string, normal map[string]any) (*engine.Collection, *engine.Secrets, error) {
		repo, err := recipe.LoadRepo([]string{"."})
		if err != nil {
			t.Fatal(err)
		}
		repo.Root, repo.Secrets, repo.Decrypt = root, &engine.Secrets{}, secrets.NewKeyring(idFile)
		coll, err := repo.Compile(recipe.Input{Name: "n1", Facts: f, RunList: recipe.SplitRunList(runList),
			Normal: normal, Cluster: []recipe.ClusterMember{{Name: "n1", Facts: f}}})
		return coll, repo.Secrets, err
	}
	find := func(coll *engine.Collection, address string) engine.Resource {
		for _, r := range coll.Resources {
			if r.Base().Key() == address {
				return r
			}
		}
		t.Fatalf("no %s", address)
		return nil
	}
	for _, tc := range []struct {
		name            string
		normal          map[string]any
		wantPW, wantKey string
	}{
		{"from the secret", nil, pw, key},
		{"an attribute wins", map[string]any{"hacluster_password": "pw-from-a", "corosync_authkey": "key-from-a-0123456789abcdef"}, "pw-from-a", "key-from-a-0123456789abcdef"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			coll, sec, err := compile(t, dir, "pm_corosync,pm_corosync::pcs", tc.normal)
			if err != nil {
				t.Fatal(err)
			}
			ex := find(coll, "execute[set hacluster password]").(*resources.Execute)
			if ex.Environment["HACLUSTER_PW"] != tc.wantPW || !ex.Sensitive {
				t.Errorf("set hacluster password: HACLUSTER_PW %q sensitive %v, want %q", ex.Environment["HACLUSTER_PW"], ex.Sensitive, tc.wantPW)
			}
			if fromSecret := tc.normal == nil; sec.Contains(pw) != fromSecret {
				t.Errorf("the secret's values registered: %v, want %v", sec.Contains(pw), fromSecret)
			}
			coll, _, err = compile(t, dir, "pm_corosync,pm_corosync::crm", tc.normal)
			if err != nil {
				t.Fatal(err)
			}
			ak := find(coll, "file[/etc/corosync/authkey]").(*resources.File)
			if ak.Content != tc.wantKey || !ak.Sensitive || ak.Mode != "0400" {
				t.Errorf("authkey: content %q sensitive %v mode %s", ak.Content, ak.Sensitive, ak.Mode)
			}
		})
	}
	if _, _, err := compile(t, t.TempDir(), "pm_corosync,pm_corosync::pcs", nil); err == nil ||
		!regexp.MustCompile(`secrets/pm_corosync.age \(converge secrets edit pm_corosync\), or set it with -a hacluster_password`).MatchString(err.Error()) {
		t.Errorf("no secret and no attribute: %v", err)
	}
}
