package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Images the lab can boot.
const (
	ImageDebian12         = "debian-12"
	ImageDebian12Sysvinit = "debian-12-sysvinit"
)

// Images lists the image names Up accepts.
var Images = []string{ImageDebian12, ImageDebian12Sysvinit}

// CookbookPackages are the packages the bundled cookbooks install. Every
// image carries them (and their dependencies) in its apt cache, so nodes
// that have no route off the machine install them offline.
var CookbookPackages = []string{
	"corosync", "pacemaker", "pcs", "crmsh", "resource-agents", "fence-agents",
	"apache2", "drbd-utils", "chrony", "psmisc", "curl",
	// resources' end-to-end tests: git, cron and kernel_module.
	"git", "cron", "kmod",
}

// basePackages are installed by debootstrap into debian-12.
var basePackages = []string{
	"openssh-server", "iproute2", "procps", "systemd", "systemd-sysv", "dbus",
	"iputils-ping", "ca-certificates",
}

// debianMirror is where debootstrap and the image's apt fetch from.
const debianMirror = "http://deb.debian.org/debian"

// imageMeta is ImageDir/NAME/image.json.
type imageMeta struct {
	Name     string    `json:"name"`
	Built    time.Time `json:"built"`
	Packages []string  `json:"packages"` // in the apt cache
}

func (l *Lab) imageRoot(image string) string {
	return filepath.Join(l.ImageDir, image, "rootfs")
}

func (l *Lab) imageMetaPath(image string) string {
	return filepath.Join(l.ImageDir, image, "image.json")
}

func (l *Lab) readImageMeta(image string) (imageMeta, bool) {
	var m imageMeta
	if err := readJSON(l.imageMetaPath(image), &m); err != nil {
		return m, false
	}
	if _, err := os.Stat(filepath.Join(l.imageRoot(image), "etc", "os-release")); err != nil {
		return m, false
	}
	return m, true
}

func checkImage(image string) error {
	for _, i := range Images {
		if i == image {
			return nil
		}
	}
	return fmt.Errorf("unknown lab image %q; choose one of %s", image, strings.Join(Images, ", "))
}

// EnsureImage builds image unless it is cached (always with rebuild), and
// makes sure its apt cache holds CookbookPackages and extra. Progress goes
// to Out, one line per step with its elapsed seconds.
func (l *Lab) EnsureImage(ctx context.Context, image string, extra []string, rebuild bool) error {
	if err := checkImage(image); err != nil {
		return err
	}
	unlock, err := lockFile(filepath.Join(l.ImageDir, ".lock"))
	if err != nil {
		return err
	}
	defer unlock()
	return l.ensureImageLocked(ctx, image, extra, rebuild)
}

func (l *Lab) ensureImageLocked(ctx context.Context, image string, extra []string, rebuild bool) error {
	want := unionSorted(CookbookPackages, extra)
	m, ok := l.readImageMeta(image)
	if ok && !rebuild {
		missing := missingFrom(m.Packages, want)
		if len(missing) == 0 {
			return nil
		}
		l.logf("image %s: adding %s to its apt cache", image, strings.Join(missing, " "))
		all := unionSorted(m.Packages, want)
		if err := l.step(image, "download "+strings.Join(missing, " "), func() error {
			return l.downloadPackages(ctx, l.imageRoot(image), all, true)
		}); err != nil {
			return err
		}
		m.Packages = all
		return writeJSON(l.imageMetaPath(image), m, 0o644)
	}
	if ok && rebuild {
		if users, _ := l.nodesUsing(image); len(users) > 0 {
			return fmt.Errorf("image %s is in use by nodes %s; run `converge lab down %s` before --rebuild", image, strings.Join(users, ", "), strings.Join(users, " "))
		}
	}
	start := time.Now()
	l.logf("image %s: building into %s (once; later nodes start from the cache)", image, filepath.Join(l.ImageDir, image))
	dir := filepath.Join(l.ImageDir, image)
	tmp := filepath.Join(dir, "rootfs.new")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := removeTree(tmp); err != nil {
		return err
	}
	switch image {
	case ImageDebian12:
		if err := l.buildDebian12(ctx, tmp, want); err != nil {
			return err
		}
	case ImageDebian12Sysvinit:
		if err := l.buildSysvinit(ctx, tmp, want); err != nil {
			return err
		}
	}
	old := filepath.Join(dir, "rootfs.old")
	if err := removeTree(old); err != nil {
		return err
	}
	if _, err := os.Stat(l.imageRoot(image)); err == nil {
		if err := os.Rename(l.imageRoot(image), old); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, l.imageRoot(image)); err != nil {
		return err
	}
	if err := removeTree(old); err != nil {
		return err
	}
	if err := writeJSON(l.imageMetaPath(image), imageMeta{Name: image, Built: time.Now().UTC(), Packages: want}, 0o644); err != nil {
		return err
	}
	l.logf("image %s: ready in %.1fs", image, time.Since(start).Seconds())
	return nil
}

func (l *Lab) buildDebian12(ctx context.Context, root string, pkgs []string) error {
	log := filepath.Join(filepath.Dir(root), "build.log")
	if err := l.step(ImageDebian12, "debootstrap bookworm (minbase)", func() error {
		return runLogged(ctx, log, "debootstrap", "--variant=minbase",
			"--include="+strings.Join(basePackages, ","), "bookworm", root, debianMirror)
	}); err != nil {
		return err
	}
	if err := l.step(ImageDebian12, "configure apt, sshd and systemd", func() error {
		return configureImage(root)
	}); err != nil {
		return err
	}
	if err := l.step(ImageDebian12, "apt-get update", func() error {
		return l.inImage(ctx, root, log, "apt-get", "update")
	}); err != nil {
		return err
	}
	if err := l.step(ImageDebian12, "enable ssh, mask apt timers", func() error {
		return l.inImage(ctx, root, log, "sh", "-c",
			"systemctl enable ssh && systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service 2>/dev/null || systemctl enable ssh")
	}); err != nil {
		return err
	}
	if err := l.step(ImageDebian12, "download "+fmt.Sprint(len(pkgs))+" packages into the apt cache", func() error {
		return l.downloadPackages(ctx, root, pkgs, false)
	}); err != nil {
		return err
	}
	return l.step(ImageDebian12, "remove machine-id and host keys", func() error {
		return scrubImage(root)
	})
}

func (l *Lab) buildSysvinit(ctx context.Context, root string, pkgs []string) error {
	if err := l.ensureImageLocked(ctx, ImageDebian12, nil, false); err != nil {
		return err
	}
	log := filepath.Join(filepath.Dir(root), "build.log")
	if err := l.step(ImageDebian12Sysvinit, "copy debian-12", func() error {
		return runLogged(ctx, log, "cp", "-a", "--reflink=auto", l.imageRoot(ImageDebian12), root)
	}); err != nil {
		return err
	}
	if err := l.step(ImageDebian12Sysvinit, "install sysvinit-core", func() error {
		return l.inImage(ctx, root, log, "apt-get", "install", "-y", "--no-install-recommends", "sysvinit-core", "orphan-sysvinit-scripts")
	}); err != nil {
		return err
	}
	if err := l.step(ImageDebian12Sysvinit, "configure inittab for a container", func() error {
		return configureInittab(root)
	}); err != nil {
		return err
	}
	if err := l.step(ImageDebian12Sysvinit, "download "+fmt.Sprint(len(pkgs))+" packages into the apt cache", func() error {
		return l.downloadPackages(ctx, root, pkgs, false)
	}); err != nil {
		return err
	}
	return l.step(ImageDebian12Sysvinit, "remove machine-id and host keys", func() error {
		return scrubImage(root)
	})
}

// step runs one named build step and reports it with its elapsed seconds.
func (l *Lab) step(image, name string, f func() error) error {
	start := time.Now()
	l.logf("image %s: %s ...", image, name)
	if err := f(); err != nil {
		l.logf("image %s: %s failed after %.1fs", image, name, time.Since(start).Seconds())
		return fmt.Errorf("building image %s: %s: %w", image, name, err)
	}
	l.logf("image %s: %s done (%.1fs)", image, name, time.Since(start).Seconds())
	return nil
}

// downloadPackages fills the image's apt cache with pkgs and their
// dependencies. The chroot shares the host's network. When retryUpdate is
// set and the download fails, the lists are refreshed once and it is tried
// again.
func (l *Lab) downloadPackages(ctx context.Context, root string, pkgs []string, retryUpdate bool) error {
	log := filepath.Join(filepath.Dir(root), "build.log")
	args := append([]string{"install", "-y", "--download-only"}, pkgs...)
	err := l.inImage(ctx, root, log, "apt-get", args...)
	if err != nil && retryUpdate {
		if err := l.inImage(ctx, root, log, "apt-get", "update"); err != nil {
			return err
		}
		err = l.inImage(ctx, root, log, "apt-get", args...)
	}
	return err
}

// inImage runs a command in the image root with the host's network, as a
// chroot would, but with /proc, /dev and /sys set up and torn down by
// systemd-nspawn so nothing stays mounted if converge dies.
func (l *Lab) inImage(ctx context.Context, root, log string, name string, args ...string) error {
	nargs := []string{"--quiet", "-D", root, "--machine=cvg-build-" + filepath.Base(filepath.Dir(root)), "--register=no", "--keep-unit",
		"--resolv-conf=replace-host", "--timezone=off", "--link-journal=no",
		"-E", "DEBIAN_FRONTEND=noninteractive", "-E", "LC_ALL=C", "--", name}
	return runLogged(ctx, log, "systemd-nspawn", append(nargs, args...)...)
}

// runLogged runs a command with its output appended to log; on failure the
// error carries the last lines.
func runLogged(ctx context.Context, log string, name string, args ...string) error {
	f, err := os.OpenFile(log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(f, "\n$ %s %s\n", name, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = nspawnEnv()
	cmd.Stdout = f
	cmd.Stderr = f
	cmd.Stdin = nil
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s failed (%v); last lines of %s:\n%s", name, err, log, tailFile(log, 15))
	}
	return nil
}

func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// configureImage writes the files that make the image a lab node: apt that
// never waits on the network and keeps what it downloads, sshd that takes
// root by key only with one host key per node, no DNS.
func configureImage(root string) error {
	files := map[string]string{
		"etc/apt/apt.conf.d/90converge-lab": `// converge lab: nodes have no route off the machine; the apt cache
// under /var/cache/apt/archives holds what the cookbooks install.
APT::Keep-Downloaded-Packages "true";
Binary::apt::APT::Keep-Downloaded-Packages "true";
Acquire::Retries "0";
Acquire::http::Timeout "3";
Acquire::https::Timeout "3";
APT::Periodic::Enable "0";
APT::Periodic::Update-Package-Lists "0";
APT::Periodic::Unattended-Upgrade "0";
`,
		"etc/ssh/sshd_config.d/converge-lab.conf": `# converge lab: root by key only, the node's own host key.
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
HostKey /etc/ssh/ssh_host_ed25519_key
UseDNS no
`,
		"etc/apt/sources.list": "deb " + debianMirror + " bookworm main\n",
		"etc/hostname":         "localhost\n",
	}
	for p, c := range files {
		full := filepath.Join(root, p)
		_ = os.Remove(full) // resolv.conf may be a symlink
		if err := writeFileAtomic(full, []byte(c), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// configureInittab drops the getty lines: a container has no ttys to run
// them on and init would respawn them forever.
func configureInittab(root string) error {
	p := filepath.Join(root, "etc", "inittab")
	b, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("sysvinit-core left no /etc/inittab: %w", err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.SplitN(line, ":", 4)
		if len(f) == 4 && !strings.HasPrefix(line, "#") && strings.Contains(f[3], "getty") {
			line = "#" + line
		}
		out = append(out, line)
	}
	return os.WriteFile(p, []byte(strings.Join(out, "\n")), 0o644)
}

// scrubImage removes what must differ per node.
func scrubImage(root string) error {
	keys, _ := filepath.Glob(filepath.Join(root, "etc", "ssh", "ssh_host_*"))
	for _, k := range keys {
		if err := os.Remove(k); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "machine-id"), nil, 0o444); err != nil {
		return err
	}
	// Written last: the build steps run with the host's resolv.conf.
	resolv := filepath.Join(root, "etc", "resolv.conf")
	_ = os.Remove(resolv)
	if err := os.WriteFile(resolv, []byte("# converge lab: nodes have no DNS; names are in /etc/hosts\n"), 0o644); err != nil {
		return err
	}
	_ = os.Remove(filepath.Join(root, "var", "lib", "dbus", "machine-id"))
	return nil
}

// removeTree unmounts whatever a killed build left mounted under dir, then
// removes it.
func removeTree(dir string) error {
	if err := unmountUnder(dir); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	return nil
}

func unionSorted(a, b []string) []string {
	set := map[string]bool{}
	for _, s := range a {
		set[s] = true
	}
	for _, s := range b {
		if s = strings.TrimSpace(s); s != "" {
			set[s] = true
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// missingFrom returns the names of want that have is lacks.
func missingFrom(have, want []string) []string {
	set := map[string]bool{}
	for _, s := range have {
		set[s] = true
	}
	var out []string
	for _, s := range want {
		if !set[s] {
			out = append(out, s)
		}
	}
	return out
}
