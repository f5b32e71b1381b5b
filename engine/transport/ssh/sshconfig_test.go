package ssh

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/transport/ssh/sshtest"
)

func TestResolve(t *testing.T) {
	home := isolate(t)
	t.Setenv("USER", "local")
	const config = `
# global lines apply to every host
IdentityFile ~/.ssh/global_key

Host web1
    HostName 10.0.0.1
    User deploy
    Port 2201

Host web1 web2
    # first obtained value wins: web1 keeps 10.0.0.1 and deploy
    HostName 10.0.0.99
    User other

Host *.example.com !secret.example.com
    User ops
    IdentityFile ~/.ssh/%r@%h:%p

Host db?
    hostname=%h.internal
    Port = 5022

Host "quoted"
    HostName "192.0.2.7"

Host target
    HostName 10.1.0.5
    ProxyJump jump1,admin@jump2:2222

Host jump1
    HostName 203.0.113.1
    User jumper
    ProxyJump bastion

Host bastion
    HostName 198.51.100.1
    Port 8022

Host jump2
    HostName 203.0.113.2
    User ignored
    IdentityFile /keys/%n-%u-%%

Host direct
    ProxyJump none

Host dir*
    # none was obtained first, so this does not apply
    ProxyJump jump1

Host *
    User fallback
`
	cfgPath := filepath.Join(home, "config")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	global := home + "/.ssh/global_key"

	tests := []struct {
		alias string
		want  Resolved
	}{
		{"web1", Resolved{HostName: "10.0.0.1", Port: 2201, User: "deploy", IdentityFiles: []string{global}}},
		{"web2", Resolved{HostName: "10.0.0.99", Port: 22, User: "other", IdentityFiles: []string{global}}},
		{"www.example.com", Resolved{HostName: "www.example.com", Port: 22, User: "ops",
			IdentityFiles: []string{global, home + "/.ssh/ops@www.example.com:22"}}},
		{"WWW.Example.COM", Resolved{HostName: "WWW.Example.COM", Port: 22, User: "ops",
			IdentityFiles: []string{global, home + "/.ssh/ops@WWW.Example.COM:22"}}},
		{"secret.example.com", Resolved{HostName: "secret.example.com", Port: 22, User: "fallback", IdentityFiles: []string{global}}},
		{"db1", Resolved{HostName: "db1.internal", Port: 5022, User: "fallback", IdentityFiles: []string{global}}},
		{"db12", Resolved{HostName: "db12", Port: 22, User: "fallback", IdentityFiles: []string{global}}},
		{"quoted", Resolved{HostName: "192.0.2.7", Port: 22, User: "fallback", IdentityFiles: []string{global}}},
		{"direct", Resolved{HostName: "direct", Port: 22, User: "fallback", IdentityFiles: []string{global}}},
		{"target", Resolved{HostName: "10.1.0.5", Port: 22, User: "fallback", IdentityFiles: []string{global},
			Jumps: []Resolved{
				// jump1's own ProxyJump comes first: it is how jump1 is reached.
				{Alias: "bastion", HostName: "198.51.100.1", Port: 8022, User: "fallback", IdentityFiles: []string{global}},
				{Alias: "jump1", HostName: "203.0.113.1", Port: 22, User: "jumper", IdentityFiles: []string{global}},
				// user and port in the hop spec win over the hop's config.
				{Alias: "jump2", HostName: "203.0.113.2", Port: 2222, User: "admin", IdentityFiles: []string{global, "/keys/jump2-local-%"}},
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.alias, func(t *testing.T) {
			tt.want.Alias = tt.alias
			got, err := Resolve(tt.alias, cfgPath)
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tt.alias, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Resolve(%q) =\n%+v\nwant\n%+v", tt.alias, got, tt.want)
			}
		})
	}
}

func TestResolve_DefaultsWithoutConfig(t *testing.T) {
	isolate(t)
	t.Setenv("USER", "someone")
	got, err := Resolve("node1", "") // ~/.ssh/config does not exist
	if err != nil {
		t.Fatal(err)
	}
	want := Resolved{Alias: "node1", HostName: "node1", Port: 22, User: "someone"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Resolve = %+v, want %+v", got, want)
	}
}

func TestResolve_IncludeAndDefaultFile(t *testing.T) {
	home := isolate(t)
	if err := os.MkdirAll(filepath.Join(home, ".ssh", "conf.d"), 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(home, ".ssh", name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("config", "Include conf.d/*.conf\nHost *\n  Port 2000\n")
	write("conf.d/a.conf", "Host app\n  HostName 10.9.9.9\n  Port 1000\n")
	got, err := Resolve("app", "")
	if err != nil {
		t.Fatal(err)
	}
	if got.HostName != "10.9.9.9" || got.Port != 1000 {
		t.Errorf("Resolve = %+v, want HostName 10.9.9.9 Port 1000 from the included file", got)
	}
}

func TestResolve_Errors(t *testing.T) {
	home := isolate(t)
	tests := []struct {
		name, config, alias, want string
	}{
		{"bad port", "Host a\n  Port http\n", "a", "config:2: Port: bad port \"http\""},
		{"port out of range", "Host a\n  Port 70000\n", "a", "bad port \"70000\""},
		{"jump loop", "Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n", "a", "ProxyJump: chain longer than"},
		{"bad hop port", "Host a\n  ProxyJump b:x\n", "a", "config:2: ProxyJump: hop \"b:x\""},
		{"unknown token", "Host a\n  IdentityFile ~/%z\n", "a", "unsupported token %z"},
		{"unterminated quote", "Host a\n  HostName \"x\n", "a", "config:2: unterminated quote"},
		{"empty host line", "Host\n", "a", "Host needs at least one pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(home, "config")
			if err := os.WriteFile(path, []byte(tt.config), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Resolve(tt.alias, path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Resolve = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := Resolve("a", filepath.Join(home, "nope")); err == nil {
		t.Error("Resolve with a missing explicit config file succeeded")
	}
}

func TestWildcard(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"web?", "web1", true},
		{"web?", "web", false},
		{"web?", "web12", false},
		{"*.example.com", "a.b.example.com", true},
		{"*.example.com", "example.com", false},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYbZ", false},
		{"10.0.0.*", "10.0.0.7", true},
		{"[x]", "[x]", true},
	}
	for _, tt := range tests {
		if got := wildcard(tt.pattern, tt.s); got != tt.want {
			t.Errorf("wildcard(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestDial_ThroughSSHConfigAlias(t *testing.T) {
	srv := start(t, sshtest.Options{})
	base := trusted(t, srv)
	cfgPath := filepath.Join(t.TempDir(), "ssh_config")
	config := fmt.Sprintf("Host node-alias\n  HostName %s\n  Port %d\n  User %s\n  IdentityFile %s\n",
		srv.Addrs[0], srv.Port, srv.User, srv.ClientKeyPath)
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	tr := dial(t, Config{
		Host:            "node-alias",
		SSHConfigFile:   cfgPath,
		KnownHostsFiles: base.KnownHostsFiles,
		DisableAgent:    true,
	})
	res, err := tr.Run(context.Background(), "echo $SSH_CONNECTION", nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(string(res.Stdout)); len(f) != 4 || f[2] != srv.Addrs[0] || f[3] != fmt.Sprint(srv.Port) {
		t.Errorf("SSH_CONNECTION = %q, want the server side %s %d", res.Stdout, srv.Addrs[0], srv.Port)
	}
	if want := srv.User + "@" + srv.Addr(); tr.String() != want {
		t.Errorf("String() = %q, want %q", tr.String(), want)
	}
}

func TestDial_ThroughProxyJump(t *testing.T) {
	srv := start(t, sshtest.Options{Addrs: []string{"127.0.0.1", "127.0.0.2"}})
	base := trusted(t, srv) // known_hosts holds both addresses
	cfgPath := filepath.Join(t.TempDir(), "ssh_config")
	config := fmt.Sprintf(`Host target
  HostName 127.0.0.2
  ProxyJump jump
Host jump
  HostName 127.0.0.1
Host *
  Port %d
  User %s
  IdentityFile %s
`, srv.Port, srv.User, srv.ClientKeyPath)
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	tr := dial(t, Config{Host: "target", SSHConfigFile: cfgPath, KnownHostsFiles: base.KnownHostsFiles, DisableAgent: true})

	if len(tr.hops) != 1 || tr.hops[0].RemoteAddr().String() != srv.Addr() {
		t.Fatalf("hops = %v, want one through %s", tr.hops, srv.Addr())
	}
	res, err := tr.Run(context.Background(), "echo $SSH_CONNECTION", nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(string(res.Stdout)); len(f) != 4 || f[2] != "127.0.0.2" {
		t.Errorf("SSH_CONNECTION = %q, want the target address 127.0.0.2", res.Stdout)
	}
	if err := tr.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := tr.hops[0].NewSession(); err == nil {
		t.Error("jump connection still open after Close")
	}
}

func TestDial_ProxyJumpHostKeyIsVerifiedToo(t *testing.T) {
	srv := start(t, sshtest.Options{Addrs: []string{"127.0.0.1", "127.0.0.2"}})
	base := trusted(t, srv)
	// known_hosts knows only the target, not the jump host.
	kh := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(kh, []byte(srv.KnownHostsLine("127.0.0.2")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base.Host = "127.0.0.2"
	base.KnownHostsFiles = []string{kh}
	cfgPath := filepath.Join(t.TempDir(), "ssh_config")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf("Host 127.0.0.2\n  ProxyJump 127.0.0.1:%d\n", srv.Port)), 0o600); err != nil {
		t.Fatal(err)
	}
	base.SSHConfigFile = cfgPath
	_, err := Dial(context.Background(), base)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("[127.0.0.1]:%d is unknown", srv.Port)) || !strings.Contains(err.Error(), "jump host") {
		t.Fatalf("Dial = %v, want the jump host's key refused", err)
	}
}
