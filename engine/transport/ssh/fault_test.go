package ssh

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/converge-cm/converge/engine/transport"
	"github.com/converge-cm/converge/engine/transport/ssh/sshtest"
)

// faultWorkload is 50 files of varied sizes up to 20 KB in 5 directories
// under root; with seed, the directories are made and every other file
// exists with old content.
func faultWorkload(t *testing.T, root string, seed bool) []transport.FileWrite {
	t.Helper()
	var fs []transport.FileWrite
	for i := 0; i < 50; i++ {
		dir := filepath.Join(root, fmt.Sprintf("etc%d", i/10))
		p := filepath.Join(dir, fmt.Sprintf("file%02d.conf", i))
		if seed {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				if err := os.WriteFile(p, []byte("old\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		size := (i*7919)%20000 + 1
		data := bytes.Repeat([]byte{byte('a' + i%26)}, size)
		fs = append(fs, transport.FileWrite{Path: p, Data: data, Opts: transport.PutOptions{Mode: "0640"}})
	}
	return fs
}

// writeLikeTheEngine writes fs as converge would: batches of PutMany for
// the files of one directory, and single Puts for some.
func writeLikeTheEngine(ctx context.Context, tr *Transport, fs []transport.FileWrite) error {
	for lo := 0; lo < len(fs); lo += 10 {
		batch := fs[lo:min(lo+10, len(fs))]
		if _, err := transport.PutMany(ctx, tr, batch[:7]); err != nil {
			return err
		}
		for _, f := range batch[7:] {
			if err := tr.Put(ctx, f.Path, f.Data, f.Opts); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkOldOrNew fails unless every file is absent, old, or exactly new.
func checkOldOrNew(t *testing.T, fs []transport.FileWrite, cut int64) {
	t.Helper()
	for i, f := range fs {
		got, err := os.ReadFile(f.Path)
		switch {
		case os.IsNotExist(err) && i%2 == 1:
		case err == nil && string(got) == "old\n" && i%2 == 0:
		case err == nil && sha256.Sum256(got) == sha256.Sum256(f.Data):
		default:
			t.Fatalf("cut after %d bytes: %s holds %d bytes (%v): neither old nor new", cut, f.Path, len(got), err)
		}
	}
}

// noStagingLeft waits for commands that got all their bytes to end, and
// fails if a staging directory stays.
func noStagingLeft(t *testing.T, root string, cut int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left, _ := filepath.Glob(filepath.Join(root, "*", ".converge-*"))
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("cut after %d bytes: staging left behind: %v", cut, left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A connection cut after N bytes, for 100 values of N over the first run
// of a 50-file workload, never leaves a file partly written; the next run
// converges all of them.
func TestFault_CutConnectionNeverLeavesAPartialFile(t *testing.T) {
	srv := start(t, sshtest.Options{})
	p := sshtest.NewProxy(t, srv.Addr())
	cfg := trusted(t, srv)
	host, port := splitAddr(t, p.Addr())
	cfg.Host, cfg.Port = host, port
	kh := filepath.Join(t.TempDir(), "known_hosts_proxy")
	if err := os.WriteFile(kh, []byte(knownhosts.Line([]string{p.Addr()}, srv.HostPublicKey)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.KnownHostsFiles = []string{kh}
	base := t.TempDir()

	run := func(fs []transport.FileWrite) (int64, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		before := p.BytesUp()
		tr, err := Dial(ctx, cfg)
		if err != nil {
			return p.BytesUp() - before, err
		}
		defer tr.Close()
		err = writeLikeTheEngine(ctx, tr, fs)
		return p.BytesUp() - before, err
	}
	checkAllNew := func(fs []transport.FileWrite) {
		t.Helper()
		for _, f := range fs {
			if got, err := os.ReadFile(f.Path); err != nil || !bytes.Equal(got, f.Data) {
				t.Fatalf("%s: %d bytes, %v; want its %d new bytes", f.Path, len(got), err, len(f.Data))
			}
		}
	}

	// An uncut run, to learn how many bytes the first run sends.
	ref := faultWorkload(t, filepath.Join(base, "ref"), true)
	total, err := run(ref)
	if err != nil {
		t.Fatalf("uncut run: %v", err)
	}
	checkAllNew(ref)

	var fs []transport.FileWrite
	failed := 0
	for k := int64(0); k < faultCuts; k++ {
		cut := total * int64(k) / faultCuts
		root := filepath.Join(base, fmt.Sprint(k))
		fs = faultWorkload(t, root, true)
		p.CutAfter(cut)
		t0 := time.Now()
		_, err := run(fs)
		if err != nil {
			failed++
		}
		if os.Getenv("FAULT_DEBUG") != "" {
			t.Logf("cut %d: %v: %v", cut, time.Since(t0), err)
		}
		p.CutAfter(-1)
		checkOldOrNew(t, fs, cut)
		noStagingLeft(t, root, cut)
	}
	if failed < int(faultCuts*9/10) {
		t.Errorf("only %d of 100 cut runs failed: the cuts missed the writes", failed)
	}
	// The next, uncut run converges every file.
	if _, err := run(fs); err != nil {
		t.Fatalf("run after the cuts: %v", err)
	}
	checkAllNew(fs)
}

var faultCuts = int64(100)

func splitAddr(t *testing.T, addr string) (string, int) {
	t.Helper()
	h, ps, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(ps)
	if err != nil {
		t.Fatal(err)
	}
	return h, port
}
