package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine/lab"
	"github.com/converge-cm/converge/engine/lab/labtest"
	"github.com/converge-cm/converge/engine/secrets/agetest"
)

// The secret of the leak test: quotes, a shell metacharacter and a JSON
// escape, so that every form output could carry it is exercised.
const (
	leakPassword = `Lk9'q"x<&>$HOME-w7`
	leakTag      = "ltag-5c81e0d2"
	leakNode     = "sl1"
)

// TestSecret_ValueNeverReachesOutputOrTheNodesProcessList (issue 16,
// must-show 2): the cookbook leak uses one secret from secrets/leak.age
// in an execute command, an environment value, a template variable, a
// file's content, a guard, a resource name and a log message, and never
// says sensitive=True. A plan, a verbose text run, a JSON run and a run
// of a command that fails echoing the value to stdout and stderr never
// show it (nor its tag); a sampler reading every process's command line
// on the node throughout the runs never sees it, while it does see a
// control command; the node's files hold the value, and the template's
// file is 0600.
func TestSecret_ValueNeverReachesOutputOrTheNodesProcessList(t *testing.T) {
	_, repo, nodes := labtest.Start(t, labtest.Options{What: "the secret leak test", Prefix: "sltest",
		Cookbooks: repoPath(t, "cmd/converge/cli/testdata/secret_leak/cookbooks"),
		Bridge:    "cvgsl143", Subnet: "10.213.143.0/24", Timeout: 5 * time.Minute, Quiet: true}, leakNode)
	t.Setenv("CONVERGE_COOKBOOK_PATH", "")
	addr := nodes[0].Address

	// An identity of the test's own, and the secret encrypted to it by
	// converge secrets (init, then edit with an $EDITOR script).
	idFile := filepath.Join(t.TempDir(), "age.txt")
	recipient := agetest.IdentityFile(t, idFile)
	t.Setenv("CONVERGE_AGE_IDENTITY", idFile)
	doc := `{"password": ` + jsonString(leakPassword) + `, "tag": "` + leakTag + `"}`
	editor := filepath.Join(t.TempDir(), "editor")
	if err := os.WriteFile(editor, []byte("#!/bin/sh\ncat > \"$1\" <<'EOF'\n"+doc+"\nEOF\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("EDITOR", editor)
	run := func(wantCode int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		code := Main(args, &out, &errb)
		all := out.String() + errb.String()
		t.Logf("converge %s (exit %d):\n%s", strings.Join(args, " "), code, all)
		if code != wantCode {
			t.Fatalf("converge %s: exit %d, want %d", strings.Join(args, " "), code, wantCode)
		}
		for _, s := range []string{leakPassword, leakTag, jsonString(leakPassword)} {
			if strings.Contains(all, s) || strings.Contains(all, strings.Trim(s, `"`)) {
				t.Errorf("converge %s shows the secret %q", strings.Join(args, " "), s)
			}
		}
		return all
	}
	run(0, "secrets", "init", "--recipient", recipient)
	run(0, "secrets", "edit", "leak")
	if b, _ := os.ReadFile(filepath.Join(repo, "secrets", "leak.age")); bytes.Contains(b, []byte(leakTag)) {
		t.Fatal("secrets/leak.age holds the plaintext")
	}

	ssh := func(cmd string) string {
		t.Helper()
		args := append([]string{"-o", "BatchMode=yes"}, lab.SSHArgs(repo, addr)...)
		out, err := exec.Command("ssh", append(args, "--", cmd)...).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh %q: %v\n%s", cmd, err, out)
		}
		return string(out)
	}
	// The sampler: every process's command line, every few milliseconds,
	// deduplicated on the node; it holds no secret itself.
	ssh(`rm -f /root/ps.stop /root/ps.log; nohup sh -c 'while [ ! -e /root/ps.stop ]; do cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\000" " "; echo; done | awk "!seen[\$0]++" > /root/ps.log' >/dev/null 2>&1 &`)

	run(0, "plan", "-r", "leak", "-v", leakNode)
	run(0, "plan", "-r", "leak", "--format", "json", leakNode)
	out := run(0, "-r", "leak", "-v", leakNode)
	if !strings.Contains(out, "(secret)") && !strings.Contains(out, "sensitive") {
		t.Errorf("the run does not say what it hid:\n%s", out)
	}
	run(0, "-r", "leak", "--format", "json", "-v", leakNode)
	fail := run(1, "-r", "leak::fail", "--format", "json", "-v", leakNode)
	if !strings.Contains(fail, "exited 3") {
		t.Errorf("the failing command's run does not report its exit status:\n%s", fail)
	}

	ssh("touch /root/ps.stop; sleep 1")
	samples := ssh("cat /root/ps.log")
	if !strings.Contains(samples, "converge-ps-control") {
		t.Fatalf("the sampler did not see the control command; it sees nothing (%d bytes)", len(samples))
	}
	for _, s := range []string{"Lk9", "HOME-w7", leakTag} {
		if strings.Contains(samples, s) {
			for _, l := range strings.Split(samples, "\n") {
				if strings.Contains(l, s) {
					t.Errorf("the node's process list showed %q: %s", s, l)
				}
			}
		}
	}

	// The values did reach the node, where they belong.
	for _, f := range []string{"/root/leak.cmd", "/root/leak.env"} {
		if got := ssh("cat " + f); got != leakPassword {
			t.Errorf("%s holds %q, want the password", f, got)
		}
	}
	if got := ssh("cat /root/leak.file"); got != leakPassword+"\n" {
		t.Errorf("/root/leak.file holds %q", got)
	}
	if got := ssh("stat -c %a /root/leak.conf; cat /root/leak.conf"); got != "600\n# written by converge\npassword = "+leakPassword+"\n" {
		t.Errorf("/root/leak.conf: %q, want mode 600 and the password", got)
	}
	ssh("test -f /root/leak.named && test -f /root/leak.guard")
}

func jsonString(s string) string {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
