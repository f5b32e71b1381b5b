package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/engine/transport/local"
)

// TestSensitive_ExecuteNameNeverShown runs a recipe whose sensitive
// executes are named by their commands (notifying, notified, subscribed
// to, failing) through the engine on this machine, with the CLI's text
// reporter (-v, and a dry run) and its JSON reporter: "s3cret" must never
// appear, while the notifications still reach their targets by the real
// names. Today's output showed execute[echo s3cret] everywhere.
func TestSensitive_ExecuteNameNeverShown(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	src := `
execute("echo s3cret >/dev/null", sensitive=True, notifies=("run", "execute[notified]", "immediately"))
execute("notified", command="true", action="nothing")
execute("watcher", command="true", action="nothing", subscribes=("run", "execute[echo s3cret >/dev/null]", "immediately"))
file("` + out + `", content="x", notifies=("run", "execute[echo s3cret2 >/dev/null]", "immediately"))
execute("echo s3cret2 >/dev/null", sensitive=True, action="nothing", notifies=("run", "execute[notified2]"))
execute("notified2", command="true", action="nothing")
execute("exit 3 # s3cret3", sensitive=True, ignore_failure=True)
execute("step 4: echo s3cret4 >/dev/null", command="echo s3cret4 >/dev/null", sensitive=True, retries=0)
`
	for name, body := range map[string]string{
		"cookbooks/t/metadata.star":        `name = "t"`,
		"cookbooks/t/recipes/default.star": src,
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	repo, err := recipe.LoadRepo([]string{filepath.Join(dir, "cookbooks")})
	if err != nil {
		t.Fatal(err)
	}
	f := facts.Facts{Hostname: "n", FQDN: "n", Platform: "centos", PlatformVersion: "7", Init: "systemd"}
	for _, mode := range []struct {
		name    string
		format  string
		verbose bool
		dryRun  bool
	}{
		{"dry run -v", "text", true, true},
		{"text -v", "text", true, false},
		{"json", "json", false, false},
	} {
		t.Run(mode.name, func(t *testing.T) {
			os.Remove(out)
			coll, err := repo.Compile(recipe.Input{Name: "n", Facts: f, RunList: []string{"t"}})
			if err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			rep := newReporter(&IO{Out: &stdout, Err: &stderr}, mode.format, mode.verbose, mode.dryRun, 1)
			res := engine.Converge(context.Background(), coll, &engine.Host{T: local.New(), Node: coll.Node},
				engine.Options{DryRun: mode.dryRun, Sink: rep.sink("n", f)})
			all := stdout.String() + stderr.String()
			if res.Err != nil {
				all += res.Err.Error()
			}
			if strings.Contains(all, "s3cret") {
				t.Errorf("output shows the secret:\n%s", all)
			}
			if !strings.Contains(all, "execute[sensitive: recipes/default.star:2]") {
				t.Errorf("output does not name the sensitive execute by its position:\n%s", all)
			}
			if !mode.dryRun {
				for _, want := range []string{"notified", "watcher", "notified2"} {
					if !strings.Contains(all, "execute["+want+"]") {
						t.Errorf("execute[%s] did not run (its notification was lost):\n%s", want, all)
					}
				}
				if !strings.Contains(all, "notified by execute[sensitive: recipes/default.star:2]") {
					t.Errorf("no \"notified by\" line with the hidden name:\n%s", all)
				}
			}
			t.Logf("%s output:\n%s", mode.name, all)
		})
	}
}
