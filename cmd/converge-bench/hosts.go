package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshd is Debian's OpenSSH server; it insists on an absolute path.
const sshd = "/usr/sbin/sshd"

// listenPerSSHD is how many ListenAddress lines one sshd accepts
// (OpenSSH's MAX_LISTEN_SOCKS).
const listenPerSSHD = 16

// host is one benchmark host: an address of this machine's loopback and the
// directory the workload fills.
type host struct {
	Name string // host1, host2, …
	Addr string // 127.0.0.11, …
	Root string // <tmp>/roots/host1
}

// lab is the benchmark's hosts and the sshd processes that serve them.
type lab struct {
	dir        string
	port       int
	hosts      []host
	clientKey  string // private key file, authorized on every host
	knownHosts string // host key of every host, for every tool
	sshds      []*exec.Cmd
	logs       []*syncBuffer
}

// hostAddr is the address of host i (1-based): 127.0.0.11, 127.0.0.12, …
func hostAddr(i int) string {
	n := 10 + i
	return fmt.Sprintf("127.0.%d.%d", n/256, n%256)
}

// startLab writes the keys, known_hosts and sshd configs for n hosts and
// starts one sshd per 16 hosts. sshdExtra are sshd_config lines added to
// every config (the same for every tool).
func startLab(dir string, n, port int, sshdExtra []string) (*lab, error) {
	l := &lab{dir: dir, port: port}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil { // privilege separation dir
		return nil, err
	}
	for i := 1; i <= n; i++ {
		h := host{Name: fmt.Sprintf("host%d", i), Addr: hostAddr(i), Root: filepath.Join(dir, "roots", fmt.Sprintf("host%d", i))}
		l.hosts = append(l.hosts, h)
	}
	hostKey, hostPub, err := newKey(filepath.Join(dir, "ssh_host_ed25519_key"))
	if err != nil {
		return nil, err
	}
	l.clientKey = filepath.Join(dir, "id_ed25519")
	_, clientPub, err := newKey(l.clientKey)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(clientPub), 0o600); err != nil {
		return nil, err
	}
	var kh strings.Builder
	for _, h := range l.hosts {
		kh.WriteString(knownhosts.Line([]string{net.JoinHostPort(h.Addr, strconv.Itoa(port))}, hostPub) + "\n")
	}
	l.knownHosts = filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(l.knownHosts, []byte(kh.String()), 0o600); err != nil {
		return nil, err
	}

	penalties := true
	for g := 0; g*listenPerSSHD < n; g++ {
		group := l.hosts[g*listenPerSSHD : min((g+1)*listenPerSSHD, n)]
		cfg := filepath.Join(dir, fmt.Sprintf("sshd_config.%d", g))
		write := func() error {
			return os.WriteFile(cfg, []byte(sshdConfig(dir, hostKey, port, group, g, penalties, sshdExtra)), 0o600)
		}
		if err := write(); err != nil {
			return nil, err
		}
		if g == 0 {
			// PerSourcePenalties appeared in OpenSSH 9.8; older ones refuse it.
			out, err := exec.Command(sshd, "-t", "-f", cfg).CombinedOutput()
			if err != nil && bytes.Contains(out, []byte("PerSourcePenalties")) {
				penalties = false
				if err := write(); err != nil {
					return nil, err
				}
			} else if err != nil {
				return nil, fmt.Errorf("sshd -t -f %s: %v: %s", cfg, err, out)
			}
		}
		log := &syncBuffer{}
		cmd := exec.Command(sshd, "-D", "-e", "-f", cfg)
		cmd.Stdout, cmd.Stderr = log, log
		if err := procs.start(cmd); err != nil {
			l.stop()
			return nil, fmt.Errorf("start sshd: %w", err)
		}
		l.sshds = append(l.sshds, cmd)
		l.logs = append(l.logs, log)
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, h := range l.hosts {
		addr := net.JoinHostPort(h.Addr, strconv.Itoa(port))
		for {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				l.stop()
				return nil, fmt.Errorf("sshd not accepting on %s: %v", addr, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return l, nil
}

// sshdConfig is the configuration of one sshd: the same for every tool.
// It is a benchmark host's, not a hardened server's: root logs in by key,
// and the per-connection limits are raised so that parallel runs are not
// throttled.
func sshdConfig(dir, hostKey string, port int, group []host, g int, penalties bool, extra []string) string {
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	for _, h := range group {
		line("ListenAddress %s", net.JoinHostPort(h.Addr, strconv.Itoa(port)))
	}
	line("HostKey %s", hostKey)
	line("AuthorizedKeysFile %s", filepath.Join(dir, "authorized_keys"))
	line("PidFile %s", filepath.Join(dir, fmt.Sprintf("sshd.%d.pid", g)))
	line("PermitRootLogin prohibit-password")
	line("PubkeyAuthentication yes")
	line("PasswordAuthentication no")
	line("KbdInteractiveAuthentication no")
	line("StrictModes no")
	line("UsePAM no")
	line("UseDNS no")
	line("PrintMotd no")
	line("PrintLastLog no")
	line("MaxStartups 1000")
	line("MaxSessions 100")
	line("MaxAuthTries 20")
	// Ansible copies templates with sftp; the in-process server is the
	// cheapest one to start.
	line("Subsystem sftp internal-sftp")
	line("LogLevel ERROR")
	if penalties {
		line("PerSourcePenalties no")
	}
	for _, e := range extra {
		line("%s", e)
	}
	return b.String()
}

// newKey writes a fresh ed25519 private key (OpenSSH format, no passphrase)
// and returns its path and public key.
func newKey(path string) (string, ssh.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "converge-bench")
	if err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return "", nil, err
	}
	sp, err := ssh.NewPublicKey(pub)
	return path, sp, err
}

// resetRoots empties the first n hosts' roots.
func (l *lab) resetRoots(n int) error {
	for _, h := range l.hosts[:n] {
		if err := os.RemoveAll(h.Root); err != nil {
			return err
		}
		if err := os.MkdirAll(h.Root, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// stop ends every sshd: first the per-connection processes that are still
// there (their clients have gone), then the listeners.
func (l *lab) stop() {
	for _, c := range l.sshds {
		if c.Process == nil {
			continue
		}
		// Give connections just closed a moment to end on their own.
		for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
			if len(descendants(c.Process.Pid)) == 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		for _, pid := range descendants(c.Process.Pid) {
			killPid(pid)
		}
		procs.stop(c)
	}
	l.sshds = nil
}

// sshdLogs is what the sshds wrote, for error messages.
func (l *lab) sshdLogs() string {
	var b strings.Builder
	for _, lg := range l.logs {
		b.Write(lg.Bytes())
	}
	return b.String()
}
