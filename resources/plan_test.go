package resources_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/converge-cm/converge/cmd/converge/cli"
)

// TestAccounts_PlanAgainstRecordedFacts plans testdata/accounts_plan's
// cookbook (group, user, directory, link, file, execute) offline against
// recorded CentOS 7 facts and compares the plan, commands included, with
// a golden file (UPDATE_GOLDEN=1 rewrites it). The password hash never
// shows.
func TestAccounts_PlanAgainstRecordedFacts(t *testing.T) {
	var out, errb bytes.Buffer
	args := []string{"plan", "--facts", filepath.Join("..", "testdata", "plans", "centos-7.1.1503.json"),
		"--cookbook-path", filepath.Join("testdata", "accounts_plan", "cookbooks"), "-c", "1", "-r", "kd_accounts"}
	if code := cli.Main(args, &out, &errb); code != 0 {
		t.Fatalf("plan exit %d: %s\n%s", code, errb.String(), out.String())
	}
	got := regexp.MustCompile(`\d+\.\d+s`).ReplaceAllString(out.String(), "T")
	if bytes.Contains(out.Bytes(), []byte("HASHNEVERSHOWN")) {
		t.Fatal("the password hash reached the plan")
	}
	golden := filepath.Join("testdata", "accounts_plan", "centos-7.1.1503.golden")
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
	for _, must := range []string{"$ groupadd -g 2500 -- app", "$ useradd -m -u 2501 -g app", "pin /srv/app 'create directory /srv/app/releases' /srv /srv/app", "mkdir -- ./releases", "ln -sfn -- /srv/app/releases/1 ./current", "chown -h -- deploy ./current"} {
		if !bytes.Contains(want, []byte(must)) {
			t.Errorf("the plan lacks %q", must)
		}
	}
}
