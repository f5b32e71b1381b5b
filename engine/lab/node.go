package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	multierror "github.com/hashicorp/go-multierror"
)

// UpOptions says how Up makes new nodes.
type UpOptions struct {
	// Image is the image new nodes boot; empty means debian-12.
	Image string
	// Packages are put into the image's apt cache besides CookbookPackages.
	Packages []string
	// Rebuild builds the image again even if it is cached.
	Rebuild bool
}

// bootTimeout bounds how long a node may take to answer SSH.
const bootTimeout = 90 * time.Second

// nodeState is StateDir/NAME/node.json. It is written before anything of
// the node is made, so Down finds everything even after a crash.
type nodeState struct {
	Name      string    `json:"name"`
	Index     int       `json:"index"`
	Address   string    `json:"address"`
	Image     string    `json:"image"`
	Subnet    string    `json:"subnet"`
	RepoDir   string    `json:"repo_dir"`
	MachineID string    `json:"machine_id"`
	NspawnPID int       `json:"nspawn_pid,omitempty"`
	Created   time.Time `json:"created"`
}

func (l *Lab) nodeDir(name string) string { return filepath.Join(l.StateDir, name) }
func (l *Lab) nodeRoot(name string) string {
	return filepath.Join(l.StateDir, name, "root")
}

func (l *Lab) readState(name string) (nodeState, error) {
	var st nodeState
	err := readJSON(filepath.Join(l.nodeDir(name), "node.json"), &st)
	return st, err
}

func (l *Lab) writeState(st nodeState) error {
	return writeJSON(filepath.Join(l.nodeDir(st.Name), "node.json"), st, 0o644)
}

// nodeNames lists the node directories in StateDir, with or without a
// node.json.
func (l *Lab) nodeNames() []string {
	ents, err := os.ReadDir(l.StateDir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() && checkName(e.Name()) == nil {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// states reads every node's state, by name.
func (l *Lab) states() map[string]nodeState {
	out := map[string]nodeState{}
	for _, n := range l.nodeNames() {
		if st, err := l.readState(n); err == nil {
			out[n] = st
		}
	}
	return out
}

func (l *Lab) nodesUsing(image string) ([]string, error) {
	var out []string
	for n, st := range l.states() {
		if st.Image == image {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (l *Lab) running(procs []proc, name string) bool {
	root := l.nodeRoot(name)
	for _, p := range procs {
		if p.isNspawnFor(root) {
			return true
		}
	}
	return false
}

func (l *Lab) nodeOf(st nodeState, procs []proc) Node {
	s := StateStopped
	if l.running(procs, st.Name) {
		s = StateRunning
	}
	return Node{Name: st.Name, Address: st.Address, Image: st.Image, State: s}
}

// List returns every node of the lab, in address order.
func (l *Lab) List() ([]Node, error) {
	procs := listProcs()
	var out []Node
	var idx []int
	for _, st := range l.states() {
		out = append(out, l.nodeOf(st, procs))
		idx = append(idx, st.Index)
	}
	sort.Sort(byIndex{out, idx})
	return out, nil
}

type byIndex struct {
	n []Node
	i []int
}

func (b byIndex) Len() int           { return len(b.n) }
func (b byIndex) Less(i, j int) bool { return b.i[i] < b.i[j] }
func (b byIndex) Swap(i, j int) {
	b.n[i], b.n[j] = b.n[j], b.n[i]
	b.i[i], b.i[j] = b.i[j], b.i[i]
}

// Up starts the named nodes, making those that do not exist yet (building
// the image first if it is not cached), and returns them once each answers
// SSH. Nodes are booted in parallel. Running nodes are left as they are.
func (l *Lab) Up(ctx context.Context, names []string, opts UpOptions) ([]Node, error) {
	if err := Requirements(); err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("lab up needs at least one node name")
	}
	names = dedupe(names)
	for _, n := range names {
		if err := checkName(n); err != nil {
			return nil, err
		}
	}
	image := opts.Image
	if image == "" {
		image = ImageDebian12
	}
	if err := checkImage(image); err != nil {
		return nil, err
	}
	s, err := parseSubnet(l.Subnet)
	if err != nil {
		return nil, err
	}
	if err := l.EnsureImage(ctx, image, opts.Packages, opts.Rebuild); err != nil {
		return nil, err
	}
	unlock, err := l.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()

	states := l.states()
	if m, err := l.readMeta(); err == nil && len(states) > 0 && (m.Subnet != s.String() || m.Bridge != l.bridge()) {
		return nil, fmt.Errorf("lab nodes already use subnet %s on bridge %s, not %s on %s; run `converge lab down` first to change it", m.Subnet, m.Bridge, s, l.bridge())
	}
	routes, err := output("ip", "-4", "route", "show")
	if err != nil {
		return nil, err
	}
	if err := checkRoutes(s, routes, l.bridge()); err != nil {
		return nil, err
	}
	if err := l.writeMeta(meta{Subnet: s.String(), Bridge: l.bridge()}); err != nil {
		return nil, err
	}
	used := map[string]int{}
	var all []string
	for n, st := range states {
		used[n] = st.Index
		all = append(all, n)
		if contains(names, n) && st.Image != image {
			return nil, fmt.Errorf("node %s exists with image %s, not %s; run `converge lab down %s` first", n, st.Image, image, n)
		}
	}
	if err := checkVethClash(append(all, names...)); err != nil {
		return nil, err
	}
	pubKey, err := ensureKey(l.KeyFile(), "converge-lab")
	if err != nil {
		return nil, fmt.Errorf("lab key %s: %w", l.KeyFile(), err)
	}
	idx := allocateIndexes(names, used)
	for _, n := range names {
		if _, ok := states[n]; ok {
			continue
		}
		addr, err := s.nodeAddr(idx[n])
		if err != nil {
			return nil, err
		}
		st := nodeState{Name: n, Index: idx[n], Address: addr.String(), Image: image,
			Subnet: s.String(), RepoDir: l.RepoDir, MachineID: newMachineID(), Created: time.Now().UTC()}
		if err := os.MkdirAll(l.nodeDir(n), 0o700); err != nil {
			return nil, err
		}
		if err := l.writeState(st); err != nil {
			return nil, err
		}
		states[n] = st
	}
	if err := ensureBridge(s, l.bridge()); err != nil {
		return nil, err
	}
	return l.boot(ctx, names, states, s, pubKey)
}

// boot brings the named nodes up (those not running), waits for their sshd
// and writes /etc/hosts and the inventory.
func (l *Lab) boot(ctx context.Context, names []string, states map[string]nodeState, s subnet, pubKey string) ([]Node, error) {
	start := time.Now()
	procs := listProcs()
	var toStart []string
	for _, n := range names {
		if l.running(procs, n) {
			continue
		}
		st := states[n]
		if st.RepoDir != l.RepoDir {
			st.RepoDir = l.RepoDir
			if err := l.writeState(st); err != nil {
				return nil, err
			}
			states[n] = st
		}
		if err := l.prepare(st, s, pubKey); err != nil {
			return nil, fmt.Errorf("node %s: %w", n, err)
		}
		toStart = append(toStart, n)
	}
	if err := l.writeHosts(states); err != nil {
		return nil, err
	}
	var mu sync.Mutex
	var errs *multierror.Error
	var wg sync.WaitGroup
	for _, n := range toStart {
		wg.Add(1)
		go func(st nodeState) {
			defer wg.Done()
			if err := l.launch(ctx, st); err != nil {
				mu.Lock()
				errs = multierror.Append(errs, fmt.Errorf("node %s: %w", st.Name, err))
				mu.Unlock()
			}
		}(states[n])
	}
	wg.Wait()
	if err := errs.ErrorOrNil(); err != nil {
		return nil, err
	}
	var out []Node
	procs = listProcs()
	for _, n := range names {
		st := states[n]
		hk, err := os.ReadFile(filepath.Join(l.nodeDir(n), "ssh_host_ed25519_key.pub"))
		if err != nil {
			return nil, err
		}
		f := strings.Fields(string(hk))
		if len(f) < 2 {
			return nil, fmt.Errorf("node %s: host key %s is malformed; this is a bug in converge", n, filepath.Join(l.nodeDir(n), "ssh_host_ed25519_key.pub"))
		}
		if err := writeInventory(l.RepoDir, n, st.Address, f[0]+" "+f[1]); err != nil {
			return nil, err
		}
		out = append(out, l.nodeOf(st, procs))
	}
	if len(toStart) > 0 {
		el := time.Since(start).Seconds()
		l.logf("lab: %d node(s) up in %.2fs (%.2fs per node)", len(toStart), el, el/float64(len(toStart)))
	}
	return out, nil
}

// prepare mounts the node's overlay, puts its identity into it (hostname,
// machine-id, host key, root's authorized_keys) and makes its network.
func (l *Lab) prepare(st nodeState, s subnet, pubKey string) error {
	dir := l.nodeDir(st.Name)
	root := l.nodeRoot(st.Name)
	lower := l.imageRoot(st.Image)
	if _, err := os.Stat(filepath.Join(lower, "etc", "os-release")); err != nil {
		return fmt.Errorf("image %s is not built (%s); `converge lab up --image %s` builds it", st.Image, lower, st.Image)
	}
	for _, d := range []string{"upper", "work", "root"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	if !isMountPoint(root) {
		opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, filepath.Join(dir, "upper"), filepath.Join(dir, "work"))
		if err := syscall.Mount("overlay", root, "overlay", 0, opts); err != nil {
			return fmt.Errorf("mount overlay at %s: %w", root, err)
		}
	}
	hostKey := filepath.Join(dir, "ssh_host_ed25519_key")
	if _, err := ensureKey(hostKey, "root@"+st.Name); err != nil {
		return fmt.Errorf("host key: %w", err)
	}
	priv, err := os.ReadFile(hostKey)
	if err != nil {
		return err
	}
	pub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		return err
	}
	files := []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{"etc/hostname", []byte(st.Name + "\n"), 0o644},
		{"etc/machine-id", []byte(st.MachineID + "\n"), 0o444},
		{"etc/ssh/ssh_host_ed25519_key", priv, 0o600},
		{"etc/ssh/ssh_host_ed25519_key.pub", pub, 0o644},
		{"root/.ssh/authorized_keys", []byte(pubKey + "\n"), 0o600},
		// On a cgroup v1 host systemd in a node is not told when a unit's
		// cgroup empties, and a stop can wait out the 90 s default: keep
		// stops short, as a power-cut-tolerant test node can afford.
		{"etc/systemd/system.conf.d/converge-lab.conf", []byte("# written by converge lab\n[Manager]\nDefaultTimeoutStopSec=10s\n"), 0o644},
	}
	for _, d := range []string{"root/.ssh", "etc/systemd/system.conf.d"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			return err
		}
	}
	if err := os.Chmod(filepath.Join(root, "etc/systemd/system.conf.d"), 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := writeFileAtomic(filepath.Join(root, f.path), f.data, f.mode); err != nil {
			return err
		}
	}
	addr, err := netip.ParseAddr(st.Address)
	if err != nil {
		return fmt.Errorf("address %q in %s: %w", st.Address, filepath.Join(dir, "node.json"), err)
	}
	return ensureNodeNetwork(st.Name, addr, s, l.bridgeInUse())
}

// hostsFile is /etc/hosts of every node: localhost and every lab node.
func hostsFile(states map[string]nodeState) string {
	var b strings.Builder
	b.WriteString("# written by converge lab\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	var sts []nodeState
	for _, st := range states {
		sts = append(sts, st)
	}
	sort.Slice(sts, func(i, j int) bool { return sts[i].Index < sts[j].Index })
	for _, st := range sts {
		fmt.Fprintf(&b, "%s\t%s\n", st.Address, st.Name)
	}
	return b.String()
}

// writeHosts writes /etc/hosts into every node whose root is mounted.
func (l *Lab) writeHosts(states map[string]nodeState) error {
	content := []byte(hostsFile(states))
	for n := range states {
		root := l.nodeRoot(n)
		if !isMountPoint(root) {
			continue
		}
		if err := writeFileAtomic(filepath.Join(root, "etc", "hosts"), content, 0o644); err != nil {
			return fmt.Errorf("node %s: /etc/hosts: %w", n, err)
		}
	}
	return nil
}

// launch starts systemd-nspawn for the node, detached in its own session
// with its output in console.log, records its PID and waits for sshd.
func (l *Lab) launch(ctx context.Context, st nodeState) error {
	dir := l.nodeDir(st.Name)
	root := l.nodeRoot(st.Name)
	args := []string{"-D", root, "--register=no", "--keep-unit",
		"--capability=CAP_NET_ADMIN,CAP_NET_RAW",
		"--network-namespace-path=" + filepath.Join("/run/netns", netnsName(st.Name)),
		"--machine=" + machineName(st.Name), "--hostname=" + st.Name, "--resolv-conf=off", "--timezone=off",
		"--link-journal=no", "--console=read-only"}
	if st.Image == ImageDebian12Sysvinit {
		// --boot would prefer systemd, which stays installed.
		args = append(args, "--", "/sbin/init")
	} else {
		args = append(args, "--boot")
	}
	logPath := filepath.Join(dir, "console.log")
	f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	cgroups, err := makeCgroups(st.Name)
	if err != nil {
		f.Close()
		return fmt.Errorf("make the node's cgroup: %w", err)
	}
	// The shell moves itself into the node's cgroups, then becomes nspawn.
	script := `IFS=:; for d in $CONVERGE_LAB_CGROUPS; do echo $$ > "$d/cgroup.procs" || exit 111; done; unset CONVERGE_LAB_CGROUPS; exec "$0" "$@"`
	cmd := exec.Command("/bin/sh", append([]string{"-c", script, "systemd-nspawn"}, args...)...)
	cmd.Env = append(nspawnEnv(), "CONVERGE_LAB_CGROUPS="+strings.Join(cgroups, ":"))
	cmd.Stdout = f
	cmd.Stderr = f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start systemd-nspawn: %w", err)
	}
	f.Close()
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }() // reap it if it dies while we run
	st.NspawnPID = cmd.Process.Pid
	if err := l.writeState(st); err != nil {
		return err
	}
	return waitSSH(ctx, st.Address, exited, logPath)
}

// waitSSH waits until addr:22 answers with an SSH banner.
func waitSSH(ctx context.Context, addr string, exited <-chan struct{}, logPath string) error {
	ctx, cancel := context.WithTimeout(ctx, bootTimeout)
	defer cancel()
	target := net.JoinHostPort(addr, "22")
	for {
		if sshBanner(target) {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("systemd-nspawn exited before sshd answered; last lines of %s:\n%s", logPath, tailFile(logPath, 20))
		case <-ctx.Done():
			return fmt.Errorf("sshd on %s did not answer within %s (%v); last lines of %s:\n%s", addr, bootTimeout, ctx.Err(), logPath, tailFile(logPath, 20))
		case <-time.After(15 * time.Millisecond):
		}
	}
}

func sshBanner(target string) bool {
	c, err := net.DialTimeout("tcp", target, 250*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 4)
	n := 0
	for n < 4 {
		m, err := c.Read(buf[n:])
		n += m
		if err != nil {
			break
		}
	}
	return n == 4 && string(buf) == "SSH-"
}

// Start boots a stopped node again: same address, same host key, same
// disk. A running node is left as it is.
func (l *Lab) Start(ctx context.Context, name string) error {
	if err := Requirements(); err != nil {
		return err
	}
	if err := checkName(name); err != nil {
		return err
	}
	unlock, err := l.lock()
	if err != nil {
		return err
	}
	defer unlock()
	states := l.states()
	st, ok := states[name]
	if !ok {
		return fmt.Errorf("no lab node %q; `converge lab up %s` makes it", name, name)
	}
	s, err := parseSubnet(st.Subnet)
	if err != nil {
		return err
	}
	if err := ensureBridge(s, l.bridgeInUse()); err != nil {
		return err
	}
	pubKey, err := ensureKey(filepath.Join(l.RepoDir, KeyPath), "converge-lab")
	if err != nil {
		return err
	}
	_, err = l.boot(ctx, []string{name}, states, s, pubKey)
	return err
}

// Stop is power loss: SIGKILL of the node's PID 1, which takes its whole
// PID namespace down at once, then of systemd-nspawn if it lingers. It
// returns once no process of the node is left. Its network namespace goes
// too, so no address it had (a VIP included) answers any more. The node's
// disk, address and host key stay for Start.
func (l *Lab) Stop(name string) error {
	if err := requireRoot("stop"); err != nil {
		return err
	}
	if err := checkName(name); err != nil {
		return err
	}
	unlock, err := l.lock()
	if err != nil {
		return err
	}
	defer unlock()
	st, err := l.readState(name)
	if err != nil {
		return fmt.Errorf("no lab node %q (%v); `converge lab list` shows the nodes", name, err)
	}
	root := l.nodeRoot(name)
	if err := killMachines(func(p proc) bool { return p.isNspawnFor(root) }, nodeCgroups(name), 30*time.Second); err != nil {
		return fmt.Errorf("node %s: %w", name, err)
	}
	removeCgroups(nodeCgroups(name))
	removeNspawnLeftovers(name, root)
	if err := unmountUnder(root); err != nil {
		return fmt.Errorf("node %s: %w", name, err)
	}
	if err := removeNodeNetwork(name); err != nil {
		return fmt.Errorf("node %s: %w", name, err)
	}
	st.NspawnPID = 0
	return l.writeState(st)
}

// Down removes the named nodes, or every node when none is named: their
// processes, mounts, network namespaces, veths, inventory entries and
// state. With the last node goes the bridge. It works from what is on
// disk and on the machine, so it also cleans up after a converge that was
// killed half-way, and removing what is already gone is not an error.
func (l *Lab) Down(names ...string) error {
	if err := requireRoot("down"); err != nil {
		return err
	}
	unlock, err := l.lock()
	if err != nil {
		return err
	}
	defer unlock()
	all := len(names) == 0
	if all {
		names = l.nodeNames()
	}
	var errs *multierror.Error
	for _, n := range dedupe(names) {
		if err := checkName(n); err != nil {
			errs = multierror.Append(errs, err)
			continue
		}
		if err := l.downNode(n); err != nil {
			errs = multierror.Append(errs, fmt.Errorf("node %s: %w", n, err))
		}
	}
	left := l.nodeNames()
	if all || len(left) == 0 {
		errs = multierror.Append(errs, l.downStrays())
	} else if errs.ErrorOrNil() == nil {
		_ = l.writeHosts(l.states())
	}
	return errs.ErrorOrNil()
}

func (l *Lab) downNode(name string) error {
	dir := l.nodeDir(name)
	st, _ := l.readState(name) // may be missing after a crash
	var errs *multierror.Error
	root := l.nodeRoot(name)
	if err := killMachines(func(p proc) bool { return p.isNspawnFor(root) }, nodeCgroups(name), 30*time.Second); err != nil {
		errs = multierror.Append(errs, err)
	}
	removeCgroups(nodeCgroups(name))
	removeNspawnLeftovers(name, root)
	if err := unmountUnder(dir); err != nil {
		errs = multierror.Append(errs, err)
	}
	if err := removeNodeNetwork(name); err != nil {
		errs = multierror.Append(errs, err)
	}
	repo := st.RepoDir
	if repo == "" {
		repo = l.RepoDir
	}
	if err := removeInventory(repo, name, st.Address); err != nil {
		errs = multierror.Append(errs, err)
	}
	if len(mountsUnder(dir)) == 0 {
		if err := os.RemoveAll(dir); err != nil {
			errs = multierror.Append(errs, err)
		}
	}
	return errs.ErrorOrNil()
}

// downStrays removes what the lab may have made without a node directory
// to show for it: nspawn processes and mounts below StateDir, "cvg-"
// namespaces and links, mounts left by a killed image build, the bridge.
func (l *Lab) downStrays() error {
	var errs *multierror.Error
	var parents []string
	for _, h := range cgroupHierarchies() {
		parents = append(parents, filepath.Join(h, cgroupParent))
	}
	if err := killMachines(func(p proc) bool { return p.isNspawnUnder(l.StateDir) }, nil, 30*time.Second); err != nil {
		errs = multierror.Append(errs, err)
	}
	removeCgroups(parents) // only empty ones go: other labs may use them
	for _, mp := range mountsUnder(l.StateDir) {
		if mp != l.StateDir {
			if err := unmountUnder(mp); err != nil {
				errs = multierror.Append(errs, err)
			}
		}
	}
	// What an image build killed half-way left; a build that is still
	// going holds the image lock and is left alone.
	if unlockImages, ok := tryLockFile(filepath.Join(l.ImageDir, ".lock")); ok {
		builds, _ := filepath.Glob(filepath.Join(l.ImageDir, "*", "rootfs.new"))
		for _, b := range builds {
			if err := killMachines(func(p proc) bool { return p.isNspawnFor(b) }, nil, 30*time.Second); err != nil {
				errs = multierror.Append(errs, err)
			}
			if err := removeTree(b); err != nil {
				errs = multierror.Append(errs, err)
			}
		}
		unlockImages()
	}
	for _, ns := range strayNetns(listProcs()) {
		if onOtherBridge(ns, l.bridgeInUse()) {
			continue // another lab's node, between its namespace and its boot
		}
		if err := run("ip", "netns", "del", ns); err != nil && netnsExists(ns) {
			errs = multierror.Append(errs, err)
		}
	}
	if err := removeBridge(l.bridgeInUse()); err != nil {
		errs = multierror.Append(errs, err)
	}
	if err := os.Remove(filepath.Join(l.StateDir, "lab.json")); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = multierror.Append(errs, err)
	}
	return errs.ErrorOrNil()
}

// SSH runs cmd on the node as root over SSH with the lab key and strict
// host key checking against converge's known_hosts; with no cmd it opens
// an interactive shell. Like ssh, the words of cmd are joined with spaces
// and run by the node's shell. A command that exits non-zero returns an
// *exec.ExitError carrying its status.
func (l *Lab) SSH(name string, cmd []string) error {
	st, err := l.readState(name)
	if err != nil {
		return fmt.Errorf("no lab node %q; `converge lab list` shows the nodes", name)
	}
	repo := st.RepoDir
	if repo == "" {
		repo = l.RepoDir
	}
	args := SSHArgs(repo, st.Address)
	if len(cmd) == 0 {
		args = append(args, "-t")
	}
	args = append(args, "--")
	args = append(args, cmd...)
	c := exec.Command("ssh", args...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	return c.Run()
}

// SSHArgs are the ssh(1) arguments that reach a lab node at addr as root,
// with the lab key and strict checking against the repository's
// known_hosts.
func SSHArgs(repo, addr string) []string {
	return []string{
		"-i", filepath.Join(repo, KeyPath),
		"-o", "IdentitiesOnly=yes",
		"-o", "UserKnownHostsFile=" + filepath.Join(repo, KnownHostsPath),
		"-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes",
		"-o", "LogLevel=ERROR",
		"-o", "ConnectTimeout=10",
		"root@" + addr,
	}
}

// nspawnEnv is the environment of systemd-nspawn: on a machine whose
// /sys/fs/cgroup is not cgroup2 (hybrid or legacy layout), the container
// gets the legacy hierarchy, which is what systemd there can use.
func nspawnEnv() []string {
	env := os.Environ()
	if os.Getenv("SYSTEMD_NSPAWN_UNIFIED_HIERARCHY") != "" {
		return env
	}
	var fs syscall.Statfs_t
	const cgroup2Magic = 0x63677270
	if err := syscall.Statfs("/sys/fs/cgroup", &fs); err == nil && fs.Type != cgroup2Magic {
		env = append(env, "SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=0")
	}
	return env
}

func requireRoot(verb string) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("converge lab %s needs root (it kills node processes and removes mounts and namespaces); run it with sudo", verb)
	}
	return nil
}

// machineName is the node's machine name for systemd-nspawn, which names
// its run-time files after it (and would take "root", the same for every
// node, from the directory).
func machineName(node string) string { return "cvg-" + node }

// removeNspawnLeftovers removes what a killed systemd-nspawn leaves in
// /run/systemd/nspawn: the node's propagation directory and the lock of its
// root directory.
func removeNspawnLeftovers(name, root string) {
	prop := filepath.Join("/run/systemd/nspawn/propagate", machineName(name))
	if len(mountsUnder(prop)) == 0 {
		_ = os.RemoveAll(prop)
	}
	var st syscall.Stat_t
	if isMountPoint(root) && syscall.Stat(root, &st) == nil {
		_ = os.Remove(fmt.Sprintf("/run/systemd/nspawn/locks/inode-%d:%d", st.Dev, st.Ino))
	}
}

func isMountPoint(path string) bool {
	for _, mp := range mountsUnder(path) {
		if mp == path {
			return true
		}
	}
	return false
}

func newMachineID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func dedupe(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
