package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// Default places, overridden by the environment variables of the same
// meaning.
const (
	DefaultImageDir = "/var/lib/converge/images"
	DefaultStateDir = "/var/lib/converge/lab"
	EnvImageDir     = "CONVERGE_LAB_IMAGES"
	EnvStateDir     = "CONVERGE_LAB_STATE"
)

// Lab is the set of test nodes on this machine. Its state lives on disk
// (StateDir), so any process, including one started after another was
// killed half-way, sees and can remove every node.
type Lab struct {
	// StateDir holds one directory per node (its overlay, host key,
	// recorded processes and console log) and lab.json (the subnet in use).
	StateDir string
	// ImageDir holds one directory per image, each with its rootfs.
	ImageDir string
	// RepoDir is the repository whose inventory (nodes/NAME.json) and
	// known_hosts (.converge/known_hosts) the nodes join.
	RepoDir string
	// Subnet is the IPv4 subnet of the lab bridge; the host is its .1 and
	// nodes are .10 upwards.
	Subnet string
	// Bridge is the host bridge of the nodes (default cvgbr0). Two labs on
	// one machine need different bridges and subnets.
	Bridge string
	// Out receives progress lines (image build steps, nodes started).
	Out io.Writer
}

// Node is one lab node as List and Up report it.
type Node struct {
	Name    string
	Address string
	Image   string
	// State is "running" or "stopped".
	State string
}

// Node states.
const (
	StateRunning = "running"
	StateStopped = "stopped"
)

// Open returns the lab of this machine for the repository at repoDir, with
// images and state in their default places (or those of
// CONVERGE_LAB_IMAGES and CONVERGE_LAB_STATE) and the subnet nodes already
// use, or DefaultSubnet when there are none.
func Open(repoDir string) (*Lab, error) {
	abs, err := filepath.Abs(repoDir)
	if err != nil {
		return nil, fmt.Errorf("lab: repository directory %q: %w", repoDir, err)
	}
	l := &Lab{
		StateDir: envOr(EnvStateDir, DefaultStateDir),
		ImageDir: envOr(EnvImageDir, DefaultImageDir),
		RepoDir:  abs,
		Subnet:   DefaultSubnet,
		Bridge:   BridgeName,
		Out:      os.Stderr,
	}
	if m, err := l.readMeta(); err == nil && m.Subnet != "" {
		l.Subnet = m.Subnet
		if m.Bridge != "" {
			l.Bridge = m.Bridge
		}
	}
	return l, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func (l *Lab) out() io.Writer {
	if l.Out == nil {
		return io.Discard
	}
	return l.Out
}

func (l *Lab) logf(format string, args ...any) {
	fmt.Fprintf(l.out(), format+"\n", args...)
}

// Requirements says what this machine lacks to run the lab: root, and the
// tools systemd-nspawn, debootstrap, ip with network namespaces, overlayfs
// and ssh. The error names each missing part and the apt-get line that
// installs it.
func Requirements() error {
	var missing []string
	pkgs := map[string]bool{}
	if os.Geteuid() != 0 {
		missing = append(missing, "root (the lab mounts overlays and makes network namespaces; run converge lab with sudo)")
	}
	for _, t := range []struct{ bin, pkg string }{
		{"systemd-nspawn", "systemd-container"},
		{"debootstrap", "debootstrap"},
		{"ip", "iproute2"},
		{"ssh", "openssh-client"},
	} {
		if _, err := exec.LookPath(t.bin); err != nil {
			missing = append(missing, fmt.Sprintf("%s (package %s)", t.bin, t.pkg))
			pkgs[t.pkg] = true
		}
	}
	if _, err := exec.LookPath("ip"); err == nil {
		if out, err := exec.Command("ip", "netns", "list").CombinedOutput(); err != nil {
			missing = append(missing, fmt.Sprintf("network namespaces (`ip netns list` failed: %s)", strings.TrimSpace(string(out))))
			pkgs["iproute2"] = true
		}
	}
	if !hasOverlay() {
		missing = append(missing, "overlayfs (the kernel has no overlay filesystem; try `modprobe overlay`)")
	}
	if len(missing) == 0 {
		return nil
	}
	msg := "converge lab cannot run here; missing: " + strings.Join(missing, "; ")
	if len(pkgs) > 0 {
		var p []string
		for k := range pkgs {
			p = append(p, k)
		}
		sort.Strings(p)
		msg += ". Install with: apt-get install -y " + strings.Join(p, " ")
	}
	return errors.New(msg)
}

func hasOverlay() bool {
	b, err := os.ReadFile("/proc/filesystems")
	if err == nil && strings.Contains(string(b), "\toverlay\n") {
		return true
	}
	// The module may load on first use.
	_ = exec.Command("modprobe", "overlay").Run()
	b, err = os.ReadFile("/proc/filesystems")
	return err == nil && strings.Contains(string(b), "\toverlay\n")
}

// meta is StateDir/lab.json: what the lab as a whole uses.
type meta struct {
	Subnet string `json:"subnet"`
	Bridge string `json:"bridge"`
}

func (l *Lab) readMeta() (meta, error) {
	var m meta
	b, err := os.ReadFile(filepath.Join(l.StateDir, "lab.json"))
	if err != nil {
		return m, err
	}
	return m, json.Unmarshal(b, &m)
}

func (l *Lab) writeMeta(m meta) error {
	return writeJSON(filepath.Join(l.StateDir, "lab.json"), m, 0o644)
}

// lockFile takes an exclusive lock on path so that two converge processes do not
// change nodes at once. The kernel drops it when the process dies.
func lockFile(path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// tryLockFile takes the lock at path if no one holds it.
func tryLockFile(path string) (func(), bool) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return func() {}, os.IsNotExist(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, false
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, true
}

func (l *Lab) bridge() string {
	if l.Bridge == "" {
		return BridgeName
	}
	return l.Bridge
}

// bridgeInUse is the bridge the existing nodes were made with, as recorded
// in StateDir, or Bridge when there is no record.
func (l *Lab) bridgeInUse() string {
	if m, err := l.readMeta(); err == nil && m.Bridge != "" {
		return m.Bridge
	}
	return l.bridge()
}

func (l *Lab) lock() (func(), error) {
	return lockFile(filepath.Join(l.StateDir, ".lock"))
}

func writeJSON(path string, v any, mode os.FileMode) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'), mode)
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it over path.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// run runs a host command and returns its combined output in the error.
func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func output(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return string(out), nil
}
