package cookbooks_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/converge-cm/converge/cmd/converge/cli"
)

// TestPmCorosync_PlanAgainstRecordedCentOSFacts plans the pcs path offline
// against recorded CentOS 6 and 7 facts (two nodes each) and compares the
// plan — resources, changes and the yum, chkconfig/systemctl and pcs
// commands — with golden files. UPDATE_GOLDEN=1 rewrites them; review the
// diff before committing.
func TestPmCorosync_PlanAgainstRecordedCentOSFacts(t *testing.T) {
	times := regexp.MustCompile(`\d+\.\d+s`)
	for _, platform := range []string{"centos-6.7", "centos-7.1.1503"} {
		t.Run(platform, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := []string{"plan", "--facts", filepath.Join("..", "testdata", "plans", platform+".json"),
				"--cookbook-path", ".", "-c", "1",
				"-r", "pm_corosync,pm_corosync::pcs,pm_corosync::web",
				"-a", "hacluster_password=golden-secret", "-a", "vip_ipaddr=10.0.2.100", "-a", "vip_netmask=24"}
			if code := cli.Main(args, &out, &errb); code != 0 {
				t.Fatalf("plan exit %d: %s\n%s", code, errb.String(), out.String())
			}
			got := times.ReplaceAllString(out.String(), "T")
			if bytes.Contains(out.Bytes(), []byte("golden-secret")) {
				t.Fatal("the sensitive hacluster password reached the plan")
			}
			golden := filepath.Join("..", "testdata", "plans", "pm_corosync-pcs-"+platform+".golden")
			if os.Getenv("UPDATE_GOLDEN") == "1" {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
			}
			if got != string(want) {
				t.Errorf("the plan differs from %s (UPDATE_GOLDEN=1 rewrites it):\n%s", golden, got)
			}
			for _, must := range []string{"yum -d0 -e0 -y install", "pcs cluster setup", "pcs resource create vip"} {
				if !bytes.Contains(want, []byte(must)) {
					t.Errorf("the plan lacks %q", must)
				}
			}
			if bytes.Contains(want, []byte("rolling_hook[")) {
				t.Error("a plan without --serial shows rolling hooks")
			}
			// A rolling plan shows each node's hooks around its change.
			out.Reset()
			if code := cli.Main(append(args, "--serial", "1"), &out, &errb); code != 0 {
				t.Fatalf("plan --serial 1 exit %d: %s\n%s", code, errb.String(), out.String())
			}
			for _, must := range []string{"Batch 1 of 2: ", "Batch 2 of 2: ", "* rolling_hook[before] action run [would change]\n", "crm_standby -N \"$n\" -v on",
				"* rolling_hook[after] action run [would change]\n", "crm_standby -N \"$n\" -v off"} {
				if k := bytes.Count(out.Bytes(), []byte(must)); k < 1 || (bytes.HasPrefix([]byte(must), []byte("* rolling")) && k != 2) {
					t.Errorf("plan --serial 1 shows %q %d times:\n%s", must, k, out.String())
				}
			}
		})
	}
}
