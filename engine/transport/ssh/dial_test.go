package ssh

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/converge-cm/converge/engine/transport/ssh/sshtest"
)

func TestDial_WithKeyFromAgent(t *testing.T) {
	srv := start(t, sshtest.Options{})
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: srv.ClientKey}); err != nil {
		t.Fatal(err)
	}
	// Unix socket paths are limited to ~108 bytes; test names are long.
	sockDir, err := os.MkdirTemp("", "agent")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	sock := filepath.Join(sockDir, "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); agent.ServeAgent(keyring, c) }()
		}
	}()
	t.Setenv("SSH_AUTH_SOCK", sock)

	cfg := trusted(t, srv)
	cfg.IdentityFiles = nil // HOME is empty: the agent is the only source
	cfg.DisableAgent = false
	tr := dial(t, cfg)
	if res, err := tr.Run(context.Background(), "echo ok", nil); err != nil || string(res.Stdout) != "ok\n" {
		t.Errorf("Run = %q, %v", res.Stdout, err)
	}

	cfg.DisableAgent = true
	_, err = Dial(context.Background(), cfg)
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Errorf("Dial with DisableAgent = %v, want *AuthError", err)
	}
}

func TestDial_DefaultIdentityInHome(t *testing.T) {
	srv := start(t, sshtest.Options{})
	home := os.Getenv("HOME")
	key, err := os.ReadFile(srv.ClientKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".ssh", "id_ecdsa"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := trusted(t, srv)
	cfg.IdentityFiles = nil
	dial(t, cfg).Close()
}

func TestDial_AuthRefusedNamesWhatWasTried(t *testing.T) {
	srv := start(t, sshtest.Options{})
	dir := t.TempDir()
	wrong := writeKey(t, filepath.Join(dir, "wrong_key"), "")
	locked := writeKey(t, filepath.Join(dir, "locked_key"), "secret")

	cfg := trusted(t, srv)
	cfg.IdentityFiles = []string{wrong, locked}
	_, err := Dial(context.Background(), cfg)
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("Dial = %v, want *AuthError", err)
	}
	want := "ssh: " + srv.User + "@" + srv.Addr() + ": authentication refused (tried keys: " + wrong + ", " + locked + " (passphrase-protected"
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %q\nwant prefix %q", err, want)
	}

	cfg.IdentityFiles = nil
	_, err = Dial(context.Background(), cfg)
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "tried keys: none") {
		t.Errorf("Dial with no keys at all = %v, want an *AuthError saying none were tried", err)
	}

	cfg.IdentityFiles = []string{filepath.Join(dir, "no_such_key")}
	if _, err := Dial(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "no_such_key") {
		t.Errorf("Dial with a missing identity file = %v, want it named", err)
	}
}

func TestDial_ClosedPortFailsFast(t *testing.T) {
	isolate(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	begin := time.Now()
	_, err = Dial(context.Background(), Config{Host: "127.0.0.1", Port: port, DisableAgent: true})
	if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "127.0.0.1:"+strconv.Itoa(port)) {
		t.Fatalf("Dial = %v, want connection refused naming the address", err)
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("Dial took %s", d)
	}
}

// A server that accepts TCP but never speaks SSH must not hang Dial.
func TestDial_HandshakeTimeout(t *testing.T) {
	isolate(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port

	begin := time.Now()
	_, err = Dial(context.Background(), Config{Host: "127.0.0.1", Port: port, Timeout: 300 * time.Millisecond, DisableAgent: true})
	if err == nil || !strings.Contains(err.Error(), "handshake timed out after 300ms") || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dial = %v, want a handshake timeout", err)
	}
	if d := time.Since(begin); d > 3*time.Second {
		t.Errorf("Dial took %s", d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = Dial(ctx, Config{Host: "127.0.0.1", Port: port, DisableAgent: true})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Dial with a cancelled context = %v, want context.Canceled", err)
	}
}

// writeKey writes a fresh ed25519 private key, encrypted when passphrase
// is not empty.
func writeKey(t *testing.T, path, passphrase string) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
