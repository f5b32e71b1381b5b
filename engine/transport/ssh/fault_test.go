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
// under root.
func faultWorkload(root string) []transport.FileWrite {
	var fs []transport.FileWrite
	for i := 0; i < 50; i++ {
		p := filepath.Join(root, fmt.Sprintf("etc%d", i/10), fmt.Sprintf("file%02d.conf", i))
		size := (i*7919)%20000 + 1
		data := bytes.Repeat([]byte{byte('a' + i%26)}, size)
		fs = append(fs, transport.FileWrite{Path: p, Data: data, Opts: transport.PutOptions{Mode: "0640"}})
	}
	return fs
}

// resetWorkload puts the files of fs back as before a first run, with
// direct calls (sshd runs on this machine): the directories exist, every
// other file holds old content, the others are absent.
func resetWorkload(t *testing.T, fs []transport.FileWrite) {
	t.Helper()
	for i, f := range fs {
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			if err := os.Remove(f.Path); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(f.Path+".old", []byte("old\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(f.Path+".old", f.Path); err != nil {
			t.Fatal(err)
		}
	}
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
// of a 50-file workload, never leaves a file partly written nor a staging
// directory behind; the next, uncut run converges all 50. The runs share
// one sshd; two workers, each with its own proxy and directory tree (reset
// with direct calls between runs), take every other cut.
func TestFault_CutConnectionNeverLeavesAPartialFile(t *testing.T) {
	srv := start(t, sshtest.Options{})
	base := t.TempDir()
	const workers = 2
	w := make([]*faultWorker, workers)
	for i := range w {
		w[i] = newFaultWorker(t, srv, filepath.Join(base, fmt.Sprintf("w%d", i)))
	}
	// An uncut first run, to learn how many bytes the first run sends.
	resetWorkload(t, w[0].fs)
	total := w[0].uncut(t, "before the cuts")

	t0 := time.Now()
	var failed [workers]int
	t.Run("cuts", func(t *testing.T) {
		for i := range w {
			i := i
			t.Run(fmt.Sprintf("worker%d", i), func(t *testing.T) {
				t.Parallel()
				for k := int64(i); k < faultCuts; k += workers {
					cut := total * k / faultCuts
					resetWorkload(t, w[i].fs)
					w[i].p.CutAfter(cut)
					_, err := w[i].run(t)
					if err != nil {
						failed[i]++
					}
					w[i].p.CutAfter(-1)
					if os.Getenv("FAULT_DEBUG") != "" {
						t.Logf("cut %d: %v", cut, err)
					}
					checkOldOrNew(t, w[i].fs, cut)
					noStagingLeft(t, w[i].root, cut)
					// The next run, uncut, converges every file.
					w[i].uncut(t, fmt.Sprintf("after the cut after %d bytes", cut))
				}
			})
		}
	})
	n := 0
	for _, f := range failed {
		n += f
	}
	t.Logf("%d cuts over %d bytes, each followed by an uncut run: %v", faultCuts, total, time.Since(t0))
	if n < int(faultCuts*9/10) {
		t.Errorf("only %d of %d cut runs failed: the cuts missed the writes", n, faultCuts)
	}
}

// faultWorker runs the workload under root through its own proxy.
type faultWorker struct {
	p    *sshtest.Proxy
	cfg  Config
	root string
	fs   []transport.FileWrite
}

func newFaultWorker(t *testing.T, srv *sshtest.Server, root string) *faultWorker {
	p := sshtest.NewProxy(t, srv.Addr())
	cfg := trusted(t, srv)
	host, port := splitAddr(t, p.Addr())
	cfg.Host, cfg.Port = host, port
	kh := filepath.Join(t.TempDir(), "known_hosts_proxy")
	if err := os.WriteFile(kh, []byte(knownhosts.Line([]string{p.Addr()}, srv.HostPublicKey)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.KnownHostsFiles = []string{kh}
	return &faultWorker{p: p, cfg: cfg, root: root, fs: faultWorkload(root)}
}

// run dials and writes the workload, returning the bytes sent.
func (w *faultWorker) run(t *testing.T) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	before := w.p.BytesUp()
	t1 := time.Now()
	tr, err := Dial(ctx, w.cfg)
	if err != nil {
		return w.p.BytesUp() - before, err
	}
	defer tr.Close()
	t2 := time.Now()
	err = writeLikeTheEngine(ctx, tr, w.fs)
	if os.Getenv("FAULT_DEBUG") != "" {
		t.Logf("dial %v, writes %v", t2.Sub(t1), time.Since(t2))
	}
	return w.p.BytesUp() - before, err
}

// uncut runs without cuts, which must converge every file.
func (w *faultWorker) uncut(t *testing.T, after string) int64 {
	t.Helper()
	n, err := w.run(t)
	if err != nil {
		t.Fatalf("uncut run %s: %v", after, err)
	}
	for _, f := range w.fs {
		if got, err := os.ReadFile(f.Path); err != nil || !bytes.Equal(got, f.Data) {
			t.Fatalf("uncut run %s: %s: %d bytes, %v; want its %d new bytes", after, f.Path, len(got), err, len(f.Data))
		}
	}
	return n
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
