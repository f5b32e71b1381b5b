package resources

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// The lookup accountWord builds runs on the node's /bin/sh: here, on this
// machine's, for an id every system has (0) and one none has.
func TestAccountWord_LooksTheIDUp(t *testing.T) {
	if _, err := exec.LookPath("getent"); err != nil {
		t.Skip("no getent on this machine")
	}
	cases := []struct {
		db, id  string
		want    string // printed name
		wantErr string // in stderr, with status 96
	}{
		{"passwd", "0", "root", ""},
		{"group", "0", "root", ""},
		{"passwd", "root", "root", ""},
		{"passwd", "4294967290", "", "converge: no user has uid 4294967290"},
		{"group", "4294967290", "", "converge: no group has gid 4294967290"},
	}
	for _, c := range cases {
		t.Run(c.db+" "+c.id, func(t *testing.T) {
			pre, word := accountWord(c.db, c.id)
			out, err := exec.Command("/bin/sh", "-c", pre+"echo "+word).CombinedOutput()
			if c.wantErr != "" {
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 96 || !strings.Contains(string(out), c.wantErr) {
					t.Fatalf("got %v, %q; want status 96 and %q", err, out, c.wantErr)
				}
				return
			}
			if err != nil || strings.TrimSpace(string(out)) != c.want {
				t.Fatalf("got %v, %q; want %q", err, out, c.want)
			}
		})
	}
}
