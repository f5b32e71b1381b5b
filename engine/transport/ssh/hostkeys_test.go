package ssh

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/converge-cm/converge/engine/transport/ssh/sshtest"
)

func TestDial_UnknownHostKeyIsRefused(t *testing.T) {
	srv := start(t, sshtest.Options{})
	cfg := trusted(t, srv)
	cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "missing", "known_hosts")}

	_, err := Dial(context.Background(), cfg)
	var hke *HostKeyError
	if !errors.As(err, &hke) || hke.Changed {
		t.Fatalf("Dial = %v, want an unknown-host *HostKeyError", err)
	}
	for _, want := range []string{
		fmt.Sprintf("[%s]:%d", srv.Addrs[0], srv.Port),
		ssh.FingerprintSHA256(srv.HostPublicKey),
		"--accept-new-host-keys",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, statErr := os.Stat(cfg.KnownHostsFiles[0]); statErr == nil {
		t.Error("known_hosts written without --accept-new-host-keys")
	}
}

func TestDial_AcceptNewHostKeyRecordsItThenChangedKeyIsRefused(t *testing.T) {
	srv := start(t, sshtest.Options{})
	cfg := trusted(t, srv)
	// A directory that does not exist yet, and a second, read-only file
	// that knows another host.
	kh := filepath.Join(t.TempDir(), "new", ".ssh", "known_hosts")
	other := filepath.Join(t.TempDir(), "other_known_hosts")
	if err := os.WriteFile(other, []byte("example.org "+strings.TrimSpace(string(ssh.MarshalAuthorizedKey(srv.ClientSigner.PublicKey())))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.KnownHostsFiles = []string{kh, other}
	cfg.AcceptNewHostKeys = true

	tr := dial(t, cfg)
	tr.Close()

	data, err := os.ReadFile(kh)
	if err != nil {
		t.Fatalf("known_hosts not recorded: %v", err)
	}
	if got, want := string(data), srv.KnownHostsLine(srv.Addrs[0])+"\n"; got != want {
		t.Errorf("known_hosts = %q, want %q", got, want)
	}
	for path, want := range map[string]os.FileMode{kh: 0o600, filepath.Dir(kh): 0o700} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", path, fi.Mode().Perm(), err, want)
		}
	}

	// Now known: no flag needed, and nothing more recorded.
	cfg.AcceptNewHostKeys = false
	dial(t, cfg).Close()
	cfg.AcceptNewHostKeys = true
	dial(t, cfg).Close()
	if again, _ := os.ReadFile(kh); string(again) != string(data) {
		t.Errorf("known_hosts changed on a second dial: %q", again)
	}

	srv.Restart(t) // a new host key on the same address
	_, err = Dial(context.Background(), cfg)
	var hke *HostKeyError
	if !errors.As(err, &hke) || !hke.Changed {
		t.Fatalf("Dial after key change = %v, want a changed *HostKeyError", err)
	}
	for _, want := range []string{kh + ":1", ssh.FingerprintSHA256(srv.HostPublicKey), "changed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if after, _ := os.ReadFile(kh); string(after) != string(data) {
		t.Errorf("known_hosts modified on a changed key: %q", after)
	}
}

// A host known by its ed25519 key must not be reported as changed because
// the server also has an ECDSA key, which x/crypto prefers by default: the
// known key's algorithm is offered first. Debian servers have both.
func TestDial_PrefersTheKnownHostKeyAlgorithm(t *testing.T) {
	isolate(t)
	ecdsaKey := filepath.Join(t.TempDir(), "ssh_host_ecdsa_key")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", ecdsaKey).CombinedOutput(); err != nil {
		t.Skipf("ssh-keygen: %v %s", err, out)
	}
	srv := sshtest.Start(t, sshtest.Options{Config: []string{"HostKey " + ecdsaKey}})
	dial(t, trusted(t, srv)).Close()
}
