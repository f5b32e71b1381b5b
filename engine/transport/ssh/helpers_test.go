package ssh

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/converge-cm/converge/engine/transport/ssh/sshtest"
)

// isolate points HOME at an empty directory and hides any ssh-agent, so
// that the machine's own keys, config and known_hosts play no part.
func isolate(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("SSH_AUTH_SOCK", "")
	return home
}

// trusted returns a Config for srv's first address whose known_hosts
// already holds srv's host key.
func trusted(t *testing.T, srv *sshtest.Server) Config {
	t.Helper()
	kh := filepath.Join(t.TempDir(), "known_hosts")
	srv.WriteKnownHosts(kh)
	return Config{
		Host:            srv.Addrs[0],
		Port:            srv.Port,
		User:            srv.User,
		IdentityFiles:   []string{srv.ClientKeyPath},
		KnownHostsFiles: []string{kh},
		DisableAgent:    true,
		Timeout:         10 * time.Second,
	}
}

func dial(t *testing.T, cfg Config) *Transport {
	t.Helper()
	tr, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// start is sshtest.Start with an isolated HOME.
func start(t *testing.T, opts sshtest.Options) *sshtest.Server {
	t.Helper()
	isolate(t)
	return sshtest.Start(t, opts)
}
