package transport_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/transport"
	"github.com/converge-cm/converge/engine/transport/local"
)

func TestPut_AtomicWithBackupsKeepsTheLastN(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "app.conf")
	tr := local.New()
	ctx := context.Background()
	for _, v := range []string{"v1\n", "v2\n", "v3\n", "v4\n", "v5\n"} {
		if err := tr.Put(ctx, p, []byte(v), transport.PutOptions{Mode: "0640", Backups: 3}); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := os.ReadFile(p); string(b) != "v5\n" {
		t.Fatalf("content %q, want v5", b)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %o, want 0640", st.Mode().Perm())
	}
	backups, _ := filepath.Glob(p + ".converge-bak.*")
	if len(backups) != 3 {
		t.Fatalf("%d backups, want the last 3: %v", len(backups), backups)
	}
	var kept []string
	for _, b := range backups {
		c, _ := os.ReadFile(b)
		kept = append(kept, strings.TrimSpace(string(c)))
	}
	if strings.Join(kept, ",") != "v2,v3,v4" {
		t.Errorf("backups hold %v, want v2,v3,v4", kept)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*converge-*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestPut_FailedVerifyLeavesTheFileUntouched(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sudoers")
	if err := os.WriteFile(p, []byte("good\n"), 0o440); err != nil {
		t.Fatal(err)
	}
	err := local.New().Put(context.Background(), p, []byte("bad\n"), transport.PutOptions{Verify: "grep -q good %{path}"})
	if err == nil || !strings.Contains(err.Error(), "verify command failed") {
		t.Fatalf("Put = %v, want a verify failure", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "good\n" {
		t.Errorf("a failed verify replaced the file: %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*converge-*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestRunScript_LongScriptOnStdin(t *testing.T) {
	// 300 KiB: more than one argument may hold (128 KiB).
	script := "x=0\n" + strings.Repeat("x=$((x+1))\n", 300*1024/11) + "echo $x\n"
	res, err := transport.RunScript(context.Background(), local.New(), script)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("RunScript: %v, exit %d: %s", err, res.ExitCode, res.Stderr)
	}
	if strings.TrimSpace(string(res.Stdout)) != "27927" {
		t.Errorf("script output %q", res.Stdout)
	}
}
