package sshtest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHD is the daemon started; sshd insists on an absolute path.
const SSHD = "/usr/sbin/sshd"

// Options configure a Server. The zero value is one sshd on 127.0.0.1.
type Options struct {
	// Addrs are the loopback addresses to listen on; default 127.0.0.1.
	// Any 127.x.y.z works on Linux without setup.
	Addrs []string
	// Port is the port on every address; default a free one.
	Port int
	// HostKeyPath is a private host key to use instead of a fresh one; it
	// is then kept across Restart.
	HostKeyPath string
	// MaxSessions is sshd's per-connection session limit; default 100.
	MaxSessions int
	// Config are extra sshd_config lines, appended last.
	Config []string
}

// Server is a running sshd that lets User in with the key at ClientKeyPath.
type Server struct {
	// Port is the port sshd listens on, on every address.
	Port int
	// Addrs are the addresses sshd listens on.
	Addrs []string
	// User is who may log in: the current user (root when run as root;
	// sshd running unprivileged only lets its own user in).
	User string
	// ClientKeyPath is the private key (OpenSSH format, no passphrase)
	// that sshd's AuthorizedKeysFile lists.
	ClientKeyPath string
	// ClientSigner is that key, for an in-process agent or client.
	ClientSigner ssh.Signer
	// ClientKey is that key as a crypto private key (ed25519.PrivateKey).
	ClientKey ed25519.PrivateKey
	// HostPublicKey is the host key sshd presents now; Restart changes it.
	HostPublicKey ssh.PublicKey
	// HostKeyPath is the private host key file.
	HostKeyPath string

	t          testing.TB
	dir        string
	opts       Options
	cfgPath    string
	generation int

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	log    *syncBuffer
}

// Start runs sshd for the test and stops it in t.Cleanup. Without sshd the
// test is skipped, or fails when CONVERGE_E2E=1.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if _, err := os.Stat(SSHD); err != nil {
		if os.Getenv("CONVERGE_E2E") == "1" {
			t.Fatalf("sshtest: %s not found: install openssh-server (apt-get install openssh-server)", SSHD)
		}
		t.Skipf("sshtest: %s not found; install openssh-server to run this test", SSHD)
	}
	if os.Geteuid() == 0 {
		// The privilege-separation directory; a container may lack it.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatalf("sshtest: %v", err)
		}
	}
	if len(opts.Addrs) == 0 {
		opts.Addrs = []string{"127.0.0.1"}
	}
	if opts.MaxSessions == 0 {
		opts.MaxSessions = 100
	}
	s := &Server{
		t:     t,
		dir:   t.TempDir(),
		opts:  opts,
		Addrs: append([]string(nil), opts.Addrs...),
		User:  currentUser(t),
	}

	// The client key and its authorized_keys entry.
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	s.ClientKey = priv
	s.ClientKeyPath = filepath.Join(s.dir, "id_ed25519")
	writePrivateKey(t, s.ClientKeyPath, priv)
	if s.ClientSigner, err = ssh.NewSignerFromKey(priv); err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, "authorized_keys"), ssh.MarshalAuthorizedKey(sshPub), 0o600); err != nil {
		t.Fatalf("sshtest: %v", err)
	}

	s.newHostKey(t)
	t.Cleanup(s.Stop)
	s.start(t)
	return s
}

// Addr is host:port of the first address.
func (s *Server) Addr() string {
	return net.JoinHostPort(s.Addrs[0], strconv.Itoa(s.Port))
}

// KnownHostsLine is the known_hosts line for addr (an address of Addrs,
// with or without the port) and the current host key.
func (s *Server) KnownHostsLine(addr string) string {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, strconv.Itoa(s.Port))
	}
	return knownhosts.Line([]string{addr}, s.HostPublicKey)
}

// WriteKnownHosts appends a line for every address to the known_hosts file
// at path, creating it and its directory. It fails the test that started
// the server on error.
func (s *Server) WriteKnownHosts(path string) {
	s.t.Helper()
	var b strings.Builder
	for _, a := range s.Addrs {
		b.WriteString(s.KnownHostsLine(a) + "\n")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		s.t.Fatalf("sshtest: %v", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err == nil {
		_, err = f.WriteString(b.String())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		s.t.Fatalf("sshtest: write known_hosts: %v", err)
	}
}

// Logs is what sshd has written to stderr so far, for failure messages.
func (s *Server) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.log == nil {
		return ""
	}
	return s.log.String()
}

// Stop kills the listening sshd. Connections already open are served by
// processes of their own, which end when their client disconnects. It is
// safe to call more than once.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	// Give connections the test just closed a moment to end while sshd
	// can still reap them: orphans would become zombies in a container
	// whose init does not reap.
	children := fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid)
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); {
		b, err := os.ReadFile(children)
		if err != nil || len(bytes.TrimSpace(b)) == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	<-exited
}

// Restart stops sshd and starts it again on the same addresses and port,
// with a new host key unless Options.HostKeyPath was given.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	s.newHostKey(t)
	s.start(t)
}

func (s *Server) newHostKey(t testing.TB) {
	t.Helper()
	s.generation++
	if s.opts.HostKeyPath != "" {
		data, err := os.ReadFile(s.opts.HostKeyPath)
		if err != nil {
			t.Fatalf("sshtest: host key: %v", err)
		}
		signer, err := ssh.ParsePrivateKey(data)
		if err != nil {
			t.Fatalf("sshtest: host key %s: %v", s.opts.HostKeyPath, err)
		}
		s.HostKeyPath, s.HostPublicKey = s.opts.HostKeyPath, signer.PublicKey()
		return
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	s.HostKeyPath = filepath.Join(s.dir, fmt.Sprintf("ssh_host_ed25519_key.%d", s.generation))
	writePrivateKey(t, s.HostKeyPath, priv)
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	s.HostPublicKey = signer.PublicKey()
}

// start launches sshd and waits until every address accepts connections.
// With a port picked here, a lost race for it is retried on another.
func (s *Server) start(t testing.TB) {
	t.Helper()
	pick := s.opts.Port == 0 && s.Port == 0
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		if s.Port == 0 {
			s.Port = s.opts.Port
		}
		if s.Port == 0 {
			s.Port = freePort(t, s.Addrs[0])
		}
		lastErr = s.launch(t)
		if lastErr == nil {
			return
		}
		if !pick || !strings.Contains(s.Logs(), "Address already in use") {
			break
		}
		s.Port = 0
	}
	t.Fatalf("sshtest: %v\nsshd log:\n%s", lastErr, s.Logs())
}

func (s *Server) launch(t testing.TB) error {
	t.Helper()
	s.cfgPath = filepath.Join(s.dir, "sshd_config")
	if err := os.WriteFile(s.cfgPath, []byte(s.config(true)), 0o600); err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	if !acceptsPenaltyOption(s.cfgPath) {
		if err := os.WriteFile(s.cfgPath, []byte(s.config(false)), 0o600); err != nil {
			t.Fatalf("sshtest: %v", err)
		}
	}

	log := &syncBuffer{}
	cmd := exec.Command(SSHD, "-D", "-e", "-f", s.cfgPath)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", SSHD, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.mu.Lock()
	s.cmd, s.exited, s.log = cmd, exited, log
	s.mu.Unlock()

	deadline := time.Now().Add(15 * time.Second)
	for _, a := range s.Addrs {
		addr := net.JoinHostPort(a, strconv.Itoa(s.Port))
		for {
			select {
			case <-exited:
				s.mu.Lock()
				s.cmd = nil
				s.mu.Unlock()
				return fmt.Errorf("sshd exited at start (%v)", cmd.ProcessState)
			default:
			}
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				s.Stop()
				return fmt.Errorf("sshd not accepting on %s: %v", addr, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

func (s *Server) config(penalties bool) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	for _, a := range s.Addrs {
		line("ListenAddress %s", net.JoinHostPort(a, strconv.Itoa(s.Port)))
	}
	line("HostKey %s", s.HostKeyPath)
	line("AuthorizedKeysFile %s", filepath.Join(s.dir, "authorized_keys"))
	line("PidFile %s", filepath.Join(s.dir, "sshd.pid"))
	line("PermitRootLogin prohibit-password")
	line("PubkeyAuthentication yes")
	line("PasswordAuthentication no")
	line("KbdInteractiveAuthentication no")
	line("StrictModes no")
	line("UsePAM no")
	line("MaxStartups 200")
	line("MaxSessions %d", s.opts.MaxSessions)
	line("MaxAuthTries 20")
	line("AllowTcpForwarding yes")
	line("PrintMotd no")
	line("LogLevel VERBOSE")
	if penalties {
		// OpenSSH 9.8+ would otherwise lock out 127.0.0.1 after the
		// authentication failures some tests provoke.
		line("PerSourcePenalties no")
	}
	for _, c := range s.opts.Config {
		line("%s", c)
	}
	return b.String()
}

var penaltyOption = map[string]bool{}
var penaltyMu sync.Mutex

// acceptsPenaltyOption reports whether this sshd knows PerSourcePenalties,
// by testing the config once per sshd binary.
func acceptsPenaltyOption(cfg string) bool {
	penaltyMu.Lock()
	defer penaltyMu.Unlock()
	if ok, seen := penaltyOption[SSHD]; seen {
		return ok
	}
	out, err := exec.Command(SSHD, "-t", "-f", cfg).CombinedOutput()
	ok := err == nil || !bytes.Contains(out, []byte("PerSourcePenalties"))
	penaltyOption[SSHD] = ok
	return ok
}

func freePort(t testing.TB, host string) int {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatalf("sshtest: pick a port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func writePrivateKey(t testing.TB, path string, key ed25519.PrivateKey) {
	t.Helper()
	block, err := ssh.MarshalPrivateKey(key, "sshtest")
	if err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatalf("sshtest: %v", err)
	}
}

func currentUser(t testing.TB) string {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatalf("sshtest: current user: %v", err)
	}
	return u.Username
}

// syncBuffer is a bytes.Buffer safe for sshd's writes and the test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
