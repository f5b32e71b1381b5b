package ssh

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine/transport"
	"github.com/converge-cm/converge/engine/transport/ssh/sshtest"
)

// busyBoxApplets are the commands the resident loop and the writer run.
var busyBoxApplets = []string{"head", "dd", "cat", "wc", "mktemp", "sha256sum", "stat", "mv", "chmod", "chown",
	"chgrp", "sync", "readlink", "rm", "rmdir", "cp", "ls", "tail", "date", "id"}

// busyBoxBin returns a directory of links to busybox for its applets, or
// skips (fails under CONVERGE_E2E=1) without busybox.
func busyBoxBin(t *testing.T) string {
	t.Helper()
	bb, err := exec.LookPath("busybox")
	if err != nil {
		if os.Getenv("CONVERGE_E2E") == "1" {
			t.Fatal("busybox not found: apt-get install busybox")
		}
		t.Skip("busybox not found")
	}
	dir := t.TempDir()
	for _, a := range busyBoxApplets {
		if err := os.Symlink(bb, filepath.Join(dir, a)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// On a node whose commands are BusyBox's (Alpine, embedded), over a real
// sshd, commands with stdin in a row, batches of writes and reads get
// exactly their bytes and nothing hangs: BusyBox head reads ahead, and a
// loop that used it would hand the next frame to the command before.
func TestBusyBox_ResidentLoopAndWriterOverSSH(t *testing.T) {
	bin := busyBoxBin(t)
	srv := start(t, sshtest.Options{Config: []string{"SetEnv PATH=" + bin + ":/usr/sbin:/usr/bin:/sbin:/bin"}})
	tr := dial(t, trusted(t, srv))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	run := func(cmd string, stdin []byte) string {
		t.Helper()
		var in *bytes.Reader
		if stdin != nil {
			in = bytes.NewReader(stdin)
		}
		var res transport.Result
		var err error
		if in != nil {
			res, err = tr.Run(ctx, cmd, in)
		} else {
			res, err = tr.Run(ctx, cmd, nil)
		}
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("%s: %v, exit %d: %s", cmd, err, res.ExitCode, res.Stderr)
		}
		return string(res.Stdout)
	}
	if got := strings.TrimSpace(run("command -v head", nil)); got != filepath.Join(bin, "head") {
		t.Fatalf("head on the node is %q, want BusyBox's %s", got, filepath.Join(bin, "head"))
	}
	if got := strings.TrimSpace(run(`echo "$CONVERGE_RD"`, nil)); got != "dd" {
		t.Errorf("the loop reads frames with %q, want dd (BusyBox head reads ahead)", got)
	}
	if tr.noResident {
		t.Fatal("no resident shell: the test would not exercise the loop")
	}

	// Commands with stdin, back to back.
	for i := 0; i < 8; i++ {
		in := bytes.Repeat([]byte{byte(i), 0, '\n', 'x'}, 1+i*3000)
		sum := sha256.Sum256(in)
		if got := run("sha256sum", in); !strings.HasPrefix(got, hex.EncodeToString(sum[:])+" ") {
			t.Fatalf("command %d: stdin of %d bytes arrived as %q", i, len(in), got)
		}
		if got := run("cat", in); got != string(in) {
			t.Fatalf("command %d: cat gave back %d of %d bytes", i, len(got), len(in))
		}
	}

	// Batches of writes in several directories, single Puts, then Gets.
	root := t.TempDir()
	var fs []transport.FileWrite
	for i := 0; i < 12; i++ {
		dir := filepath.Join(root, fmt.Sprintf("d%d", i/4))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		data := bytes.Repeat([]byte(fmt.Sprintf("file %d\x00;", i)), 1+i*700)
		fs = append(fs, transport.FileWrite{Path: filepath.Join(dir, fmt.Sprintf("f%d", i)), Data: data, Opts: transport.PutOptions{Mode: "0640"}})
	}
	if n, err := transport.PutMany(ctx, tr, fs[:8]); err != nil || n != 8 {
		t.Fatalf("PutMany = %d, %v", n, err)
	}
	for _, f := range fs[8:] {
		if err := tr.Put(ctx, f.Path, f.Data, f.Opts); err != nil {
			t.Fatalf("Put %s: %v", f.Path, err)
		}
	}
	for _, f := range fs {
		got, err := tr.Get(ctx, f.Path)
		if err != nil || !bytes.Equal(got, f.Data) {
			t.Fatalf("Get %s: %d bytes, %v; want %d", f.Path, len(got), err, len(f.Data))
		}
		if st, err := os.Stat(f.Path); err != nil || st.Mode().Perm() != 0o640 {
			t.Errorf("%s: %v, %v", f.Path, st, err)
		}
	}
}
