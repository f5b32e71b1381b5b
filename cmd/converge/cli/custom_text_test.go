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

// cuSecret is the sensitive property's value in testdata/custom_e2e.
const cuSecret = "s3cr3t-cu"

// convergeCu runs testdata/custom_e2e's cookbook cu on this machine under
// root through the engine and the CLI's reporter, and returns the output
// with root shown as ROOT.
func convergeCu(t *testing.T, root, format string, verbose, dryRun bool, motd string) (string, engine.Result) {
	t.Helper()
	repo, err := recipe.LoadRepo([]string{filepath.Join("testdata", "custom_e2e", "cookbooks")})
	if err != nil {
		t.Fatal(err)
	}
	f := facts.Facts{Hostname: "n", FQDN: "n", Platform: "debian", PlatformVersion: "12", PlatformFamily: "debian", Init: "systemd"}
	coll, err := repo.Compile(recipe.Input{Name: "n", Facts: f, RunList: []string{"cu"}, Normal: map[string]any{
		"cu": map[string]any{"root": root, "greeting": "hi", "token": cuSecret, "motd": motd}}})
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	rep := newReporter(&IO{Out: &stdout, Err: &stderr}, format, verbose, dryRun, 1)
	res := engine.Converge(context.Background(), coll, &engine.Host{T: local.New(), Node: coll.Node},
		engine.Options{DryRun: dryRun, Sink: rep.sink("n", f)})
	out := stdout.String() + stderr.String()
	if res.Err != nil {
		out += res.Err.Error()
	}
	return strings.ReplaceAll(out, root, "ROOT"), res
}

// TestText_CustomResourcesIndentedUnderTheirParent: the text output of a
// custom resource built on another shows each inner resource under the
// one that declared it, four spaces deeper per level, Chef style, with
// the "notified by" lines of notifications to, from and between custom
// resources and the failed first attempt of a retried one.
func TestText_CustomResourcesIndentedUnderTheirParent(t *testing.T) {
	root := t.TempDir()
	out, res := convergeCu(t, root, "text", false, false, "A")
	if res.Err != nil {
		t.Fatalf("%v\n%s", res.Err, out)
	}
	want := `Converging n (debian 12, systemd)
Recipe: cu::default
  * directory[ROOT] action create (up to date)
  * cu_app[web] action create
      * directory[ROOT/web] action create
        - suppressed sensitive resource output
      * cu_setting[web.port] action set
        - suppressed sensitive resource output
          * execute[write web.port] action run
            - suppressed sensitive resource output
      * cu_setting[web.greeting] action set
        - suppressed sensitive resource output
          * execute[write web.greeting] action run
            - suppressed sensitive resource output
          * file[ROOT/web/web.greeting.token] action create
            - suppressed sensitive resource output
      * execute[reload web] action run (notified by cu_setting[web.greeting])
        - suppressed sensitive resource output
      * execute[reload web] action nothing (skipped due to action nothing)
  * execute[cu-restart] action nothing (skipped due to action nothing)
  * cu_setting[notified] action nothing (skipped due to action nothing)
  * file[ROOT/trigger] action create
    - create new file ROOT/trigger
      --- ROOT/trigger
      +++ ROOT/trigger (new)
      @@ -0,0 +1,1 @@
      +pull
  * cu_setting[notified] action set (notified by file[ROOT/trigger])
    - create cu_setting[notified]
    - set value to "by trigger"
    - set dir to "ROOT"
      * execute[write notified] action run
        - execute printf %s 'by trigger' > ROOT/notified
  * cu_setting[skipped] action set (skipped due to not_if)
  * cu_setting[guarded] action set
    - create cu_setting[guarded]
    - set value to "yes"
    - set dir to "ROOT"
      * execute[write guarded] action run
        - execute printf %s yes > ROOT/guarded
  * cu_setting[flaky] action set
    - create cu_setting[flaky]
    - set value to "second try"
    - set dir to "ROOT"
      * execute[write flaky] action run FAILED
        testdata/custom_e2e/cookbooks/cu/resources/setting.star:24:12: command exited 1: test -e ROOT/.flaky.failed-once || { touch ROOT/.flaky.failed-once; echo first attempt fails >&2; exit 1; }; printf %s 'second try' > ROOT/flaky
            first attempt fails
      * execute[write flaky] action run
        - execute test -e ROOT/.flaky.failed-once || { touch ROOT/.flaky.failed-once; echo first attempt fails >&2; exit 1; }; printf %s 'second try' > ROOT/flaky
  * cu_setting[motd] action set
    - create cu_setting[motd]
    - set value to "A"
    - set dir to "ROOT"
      * execute[write motd] action run
        - execute printf %s A > ROOT/motd
  * execute[cu-restart] action run (delayed notification from cu_app[web])
    - execute echo restart >> ROOT/restarts
Node n: 7/9 resources updated in `
	if !strings.HasPrefix(out, want) {
		t.Errorf("first run output:\n%s\nwant it to start with:\n%s", out, want)
		t.Errorf("first differing line: %s", firstDiff(out, want))
	}

	// The second run: one line per resource, inner ones still indented.
	out, res = convergeCu(t, root, "text", false, false, "A")
	if res.Err != nil || res.Updated != 0 {
		t.Fatalf("second run: %d updated, %v\n%s", res.Updated, res.Err, out)
	}
	for _, l := range []string{
		"  * cu_app[web] action create (up to date)\n      * directory[ROOT/web] action create (up to date)\n      * cu_setting[web.port] action set (up to date)\n",
		"  * cu_setting[motd] action set (up to date)\n",
	} {
		if !strings.Contains(out, l) {
			t.Errorf("second run lacks\n%s\n in:\n%s", l, out)
		}
	}
}

// firstDiff returns the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range w {
		if i >= len(g) || g[i] != w[i] {
			if i >= len(g) {
				return "line " + w[i] + ": missing"
			}
			return "got  " + g[i] + "\nwant " + w[i]
		}
	}
	return "none"
}

// TestSensitive_CustomPropertyNeverShown: the value of a custom kind's
// sensitive property, handed on to an inner custom resource and written
// to a file, reaches the node but never the text output (plain and -v),
// the JSON events, the dry run's diffs and commands, nor a changed run.
func TestSensitive_CustomPropertyNeverShown(t *testing.T) {
	root := t.TempDir()
	for _, mode := range []struct {
		name            string
		format          string
		verbose, dryRun bool
		motd            string
	}{
		{"dry run -v on a fresh node", "text", true, true, "A"},
		{"json dry run", "json", false, true, "A"},
		{"first run -v", "text", true, false, "A"},
		{"second run json", "json", false, false, "A"},
		{"changed run -v", "text", true, false, "B"},
		{"changed dry run json", "json", false, true, "C"},
	} {
		t.Run(mode.name, func(t *testing.T) {
			out, res := convergeCu(t, root, mode.format, mode.verbose, mode.dryRun, mode.motd)
			if res.Err != nil {
				t.Fatalf("%v\n%s", res.Err, out)
			}
			if strings.Contains(out, cuSecret) {
				t.Errorf("output shows the secret:\n%s", out)
			}
			if !strings.Contains(out, "cu_app[web]") {
				t.Errorf("output does not name cu_app[web]:\n%s", out)
			}
		})
	}
	if got := readTestFile(t, filepath.Join(root, "web", "web.greeting.token")); got != cuSecret {
		t.Errorf("the token file holds %q, want the secret", got)
	}
}

func readTestFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
