package facts

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/transport"
	"github.com/converge-cm/converge/engine/transport/local"
)

// TestGather_ThisMachine gathers the facts of the machine the tests run on
// through the real local transport. It is a Debian 12 machine.
func TestGather_ThisMachine(t *testing.T) {
	f, err := Gather(context.Background(), local.New())
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	if f.Platform != "debian" || f.PlatformFamily != "debian" {
		t.Errorf("platform %q family %q, want debian debian", f.Platform, f.PlatformFamily)
	}
	if f.Hostname == "" || f.FQDN == "" || f.Kernel == "" || f.Machine == "" || f.Init == "" {
		t.Errorf("empty hostname, fqdn, kernel, machine or init: %+v", f)
	}
	if f.CPUCount <= 0 || f.MemoryMB <= 0 {
		t.Errorf("cpu_count %d memory_mb %d, want both > 0", f.CPUCount, f.MemoryMB)
	}
	if !strings.HasPrefix(f.PlatformVersion, "12") {
		t.Errorf("platform_version %q, want 12.x", f.PlatformVersion)
	}
}

// fakeRunner answers Run with canned values and records the commands.
type fakeRunner struct {
	run   func(cmd string) (transport.Result, error)
	calls []string
}

func (r *fakeRunner) Run(_ context.Context, cmd string, _ io.Reader) (transport.Result, error) {
	r.calls = append(r.calls, cmd)
	return r.run(cmd)
}

func TestGather_OneRoundTrip(t *testing.T) {
	r := &fakeRunner{run: func(string) (transport.Result, error) {
		return transport.Result{Stdout: []byte(mustFixture(t, "rocky-9"))}, nil
	}}
	f, err := Gather(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.calls) != 1 || r.calls[0] != Script() {
		t.Errorf("Gather ran %d commands, want Script() once", len(r.calls))
	}
	if f.Platform != "rocky" {
		t.Errorf("platform %q, want rocky", f.Platform)
	}
}

func TestGather_ErrorsNameTheScriptAndStderr(t *testing.T) {
	for _, tc := range []struct {
		name    string
		res     transport.Result
		err     error
		wantErr []string
	}{
		{"connection lost", transport.Result{}, errors.New("ssh: connection lost"), []string{"facts script", "connection lost"}},
		{"non-zero exit", transport.Result{ExitCode: 126, Stderr: []byte("sh: permission denied\n")}, nil, []string{"facts script", "exited 126", "sh: permission denied"}},
		{"output replaced", transport.Result{Stdout: []byte("This account is currently not available.\n"), Stderr: []byte("")}, nil, []string{"missing section", "stderr: (empty)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &fakeRunner{run: func(string) (transport.Result, error) { return tc.res, tc.err }}
			_, err := Gather(context.Background(), r)
			if err == nil {
				t.Fatal("Gather succeeded, want an error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func mustFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := readFixture(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
