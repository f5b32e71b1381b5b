package sshtest

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestStart_LetsUserInOnEveryAddressAndRestartChangesKey(t *testing.T) {
	srv := Start(t, Options{Addrs: []string{"127.0.0.1", "127.0.0.3"}})

	kh := filepath.Join(t.TempDir(), "sub", "known_hosts")
	srv.WriteKnownHosts(kh)
	data, err := os.ReadFile(kh)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != 2 {
		t.Errorf("known_hosts has %d lines, want 2:\n%s", n, data)
	}
	if got, want := srv.KnownHostsLine("127.0.0.3"), srv.KnownHostsLine("127.0.0.3:"+strconv.Itoa(srv.Port)); got != want || !strings.HasPrefix(got, "[127.0.0.3]:") {
		t.Errorf("KnownHostsLine = %q and %q", got, want)
	}
	callback, err := knownhosts.New(kh)
	if err != nil {
		t.Fatal(err)
	}

	connect := func(addr string) error {
		c, err := ssh.Dial("tcp", net.JoinHostPort(addr, strconv.Itoa(srv.Port)), &ssh.ClientConfig{
			User:            srv.User,
			Auth:            []ssh.AuthMethod{ssh.PublicKeys(srv.ClientSigner)},
			HostKeyCallback: callback,
			Timeout:         10 * time.Second,
		})
		if err != nil {
			return err
		}
		defer c.Close()
		s, err := c.NewSession()
		if err != nil {
			return err
		}
		defer s.Close()
		return s.Run("true")
	}
	for _, a := range srv.Addrs {
		if err := connect(a); err != nil {
			t.Fatalf("%s: %v\n%s", a, err, srv.Logs())
		}
	}

	old := srv.HostPublicKey
	srv.Restart(t)
	if string(old.Marshal()) == string(srv.HostPublicKey.Marshal()) {
		t.Fatal("Restart kept the host key")
	}
	if err := connect(srv.Addrs[0]); err == nil {
		t.Error("connection verified against the old key succeeded after Restart")
	}
	srv.Stop()
	srv.Stop()
	if c, err := net.DialTimeout("tcp", srv.Addr(), time.Second); err == nil {
		c.Close()
		t.Error("sshd still listening after Stop")
	}
}
