package local

import (
	"context"
	"testing"
	"time"
)

// A command whose child keeps the output pipe open used to hold Run (and
// with it a SIGTERM'd converge --local) until the child ended.
func TestRun_CancelKillsTheWholeCommand(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := New().Run(ctx, "sleep 30 & sleep 30; echo never", nil)
	if err == nil {
		t.Fatal("Run of a cancelled command returned no error")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Run returned %s after its context ended; want at once", d)
	}
}

func TestRun_BackgroundChildHoldingOutputDoesNotHoldRun(t *testing.T) {
	start := time.Now()
	res, err := New().Run(context.Background(), "sleep 30 & echo started; exit 3", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 3 || string(res.Stdout) != "started\n" {
		t.Fatalf("got exit %d stdout %q, want 3 and %q", res.ExitCode, res.Stdout, "started\n")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Run took %s; the background child held it", d)
	}
}
