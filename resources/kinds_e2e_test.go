package resources_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/converge-cm/converge/cmd/converge/cli"
	"github.com/converge-cm/converge/engine/lab"
	"github.com/converge-cm/converge/engine/lab/labtest"
)

// TestKinds_ConvergeOnLabNode runs testdata/kinds_e2e's cookbook on a lab
// node: plan shows the changes first, the first run makes them, the second
// changes nothing, and a third run after one attribute changed updates
// only the resource that uses it. It needs root and systemd-nspawn, and
// fails instead of skipping when CONVERGE_E2E=1.
//
// The lab image has no crontab or modprobe (cron and kmod are not in its
// apt cache, and a node has no CAP_SYS_MODULE), and systemd-nspawn mounts
// its /proc/sys read-only, so cron (user crontabs), loading a module and
// sysctl -w are covered by the tables only: kernel_module installs a
// module the host already has loaded, sysctl keeps the live value.
//
// remote_file fetches from an HTTP server the test starts on the lab
// bridge address, on the control machine and on the node (curl from the
// image's apt cache); the second run sends only conditional requests, and
// a new version on the server is picked up. git clones a repository the
// test serves with git daemon on the bridge address; the image has no git
// package (adding one to the image would download from the Debian mirror),
// so the node gets the control machine's /usr/bin/git by remote_file —
// both are Debian 12. yum_repository is covered by tables and golden
// plans only: no lab node has yum.
func TestKinds_ConvergeOnLabNode(t *testing.T) {
	wd, _ := os.Getwd()
	l, repo, _ := labtest.Start(t, labtest.Options{What: "kinds e2e",
		Cookbooks: filepath.Join(wd, "testdata", "kinds_e2e", "cookbooks"),
		Prefix:    "kdtest", Bridge: "cvgkd", Subnet: "10.213.131.0/24", Timeout: 5 * time.Minute}, "kd1")
	// The host's address on the lab bridge (the subnet's .1) serves files
	// over HTTP and a repository over git daemon.
	const bridgeAddr = "10.213.131.1"
	files := &labFiles{body: map[string]string{"/control.txt": "from the control machine\n", "/node.txt": "fetched by the node\n"},
		full: map[string]int{}, cond: map[string]int{}}
	hl, err := net.Listen("tcp", bridgeAddr+":0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: files}
	go func() { _ = hs.Serve(hl) }()
	t.Cleanup(func() { hs.Close() })
	gitURL := startGitDaemon(t, bridgeAddr)
	attrs := []string{"-a", "kinds.http=http://" + hl.Addr().String(), "-a", "kinds.git=" + gitURL}

	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		code := cli.Main(append(append(args, attrs...), "kd1"), &out, &errb)
		t.Logf("converge %s:\n%s%s", strings.Join(args, " "), out.String(), errb.String())
		if code != 0 {
			t.Fatalf("converge %v: exit %d", args, code)
		}
		return out.String()
	}
	changed := func(out string) []string {
		var r []string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "  * ") && (strings.HasSuffix(l, "[would change]") || !strings.Contains(l, "(")) && !strings.HasPrefix(l, "  * log[") {
				if a := strings.Fields(l)[1]; len(r) == 0 || r[len(r)-1] != a { // one per resource, not per action
					r = append(r, a)
				}
			}
		}
		return r
	}
	all := []string{"package[git]", "package[cron]", "package[kmod]", "cron[kd-user]", "cron_d[kd-rotate]", "sysctl[net.ipv4.ip_forward]", "kernel_module[overlay]",
		"kernel_module[pcspkr]", "bash[marker]", "perl[perl-marker]", "hostname[kd1.lab.example]",
		"systemd_unit[kd-hello.service]", "directory[/srv/kd-repo]", "file[/srv/kd-repo/Packages]", "apt_repository[kd-local]",
		"remote_file[/etc/kd-remote.conf]", "package[curl]", "remote_file[/opt/kd-node.txt]", "git[/srv/kd-app]",
		"directory[/mnt/kd-tmp]", "mount[/mnt/kd-tmp]", "file[/srv/kd-nobody]", "execute[kd-as-uid]", "service[kd-own]"}

	plan := run("plan", "-r", "kd_kinds")
	if got := changed(plan); strings.Join(got, " ") != strings.Join(all, " ") {
		t.Errorf("plan would change %v, want %v", got, all)
	}
	for _, want := range []string{"create new file /etc/cron.d/kd-rotate", "create new file /etc/sysctl.d/99-converge-net.ipv4.ip_forward.conf",
		"create new file /etc/modules-load.d/overlay.conf", "create new file /etc/modprobe.d/blacklist_pcspkr.conf",
		`set hostname from "kd1" to "kd1.lab.example"`, "INFO: converging kinds on kd1",
		"create new file /etc/systemd/system/kd-hello.service", "enable unit kd-hello.service",
		"start unit kd-hello.service", "+deb [trusted=yes] file:///srv/kd-repo ./", "update the package lists of kd-local",
		"+from the control machine", "create new file /opt/kd-node.txt (download http://" + hl.Addr().String() + "/node.txt)",
		"clone " + gitURL + "/app.git at v1 into /srv/kd-app", "mount tmpfs on /mnt/kd-tmp", "add /mnt/kd-tmp to /etc/fstab"} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q", want)
		}
	}
	if f, c := files.counts("/node.txt"); f != 0 || c != 0 {
		t.Errorf("plan fetched node.txt on the control machine (%d full, %d conditional GETs)", f, c)
	}
	first := run("-r", "kd_kinds")
	if got := changed(first); strings.Join(got, " ") != strings.Join(all, " ") {
		t.Errorf("first run changed %v, want %v", got, all)
	}
	nodes, err := l.List()
	if err != nil || len(nodes) != 1 {
		t.Fatalf("lab list: %v %v", nodes, err)
	}
	ssh := func(cmd string) string {
		t.Helper()
		b, err := exec.Command("ssh", append(lab.SSHArgs(repo, nodes[0].Address), cmd)...).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh %q: %v\n%s", cmd, err, b)
		}
		return string(b)
	}
	for cmd, want := range map[string]string{
		"cat /etc/cron.d/kd-rotate":                                                           "*/10 * * * * root /usr/bin/true",
		"crontab -l -u root":                                                                  "# converge: kd-user\n0 3 * * * /usr/bin/true",
		"cat /etc/sysctl.d/99-converge-net.ipv4.ip_forward.conf":                              "net.ipv4.ip_forward = 0",
		"cat /etc/modules-load.d/overlay.conf":                                                "overlay",
		"cat /etc/modprobe.d/blacklist_pcspkr.conf":                                           "blacklist pcspkr",
		"cat /tmp/kd-marker /tmp/kd-perl":                                                     "hello from bash\nperl",
		"hostname; cat /etc/hostname; grep 127.0.1.1 /etc/hosts":                              "kd1.lab.example\nkd1.lab.example\n127.0.1.1\tkd1.lab.example kd1 kd-one",
		"systemctl is-enabled kd-hello; systemctl is-active kd-hello; cat /run/kd-hello":      "enabled\nactive\nhello",
		"apt-cache policy kd-dummy":                                                           "Candidate: 1.0",
		"stat -c '%u:%g %a' /srv/kd-nobody; cat /tmp/kd-uid; test -e /run/kd-own && echo own": "65534:65534 640\nnobody\nown",
	} {
		if got := ssh(cmd); !strings.Contains(got, want) {
			t.Errorf("%s: got %q, want %q", cmd, got, want)
		}
	}
	fullBefore := map[string]int{}
	for _, p := range []string{"/control.txt", "/node.txt"} {
		fullBefore[p], _ = files.counts(p)
	}
	second := run("-r", "kd_kinds")
	for _, p := range []string{"/control.txt", "/node.txt"} {
		if f, c := files.counts(p); f != fullBefore[p] || c == 0 {
			t.Errorf("second run: %s got %d more full GETs and %d conditional ones in all, want 0 more full and a conditional one", p, f-fullBefore[p], c)
		}
	}
	if got := changed(second); len(got) != 0 {
		t.Errorf("second run changed %v", got)
	}
	if !regexp.MustCompile(`0/\d+ resources updated`).MatchString(second) {
		t.Errorf("second run did not report 0 updated")
	}
	third := run("-r", "kd_kinds", "-a", "kinds.minute=*/5")
	if got := changed(third); strings.Join(got, " ") != "cron_d[kd-rotate]" {
		t.Errorf("third run changed %v, want only cron_d[kd-rotate]", got)
	}
	// A new version on the server, no checksum given: picked up by the
	// conditional request, and only that file changes.
	files.set("/control.txt", "version two\n")
	fourth := run("-r", "kd_kinds", "-a", "kinds.minute=*/5")
	if got := changed(fourth); strings.Join(got, " ") != "remote_file[/etc/kd-remote.conf]" {
		t.Errorf("after the server's file changed, the run changed %v, want only remote_file[/etc/kd-remote.conf]", got)
	}
	if got := ssh("cat /etc/kd-remote.conf"); got != "version two\n" {
		t.Errorf("/etc/kd-remote.conf = %q after the server's file changed", got)
	}
}

// labFiles serves files with an ETag (their sha256) and counts full and
// conditional GETs of each.
type labFiles struct {
	mu         sync.Mutex
	body       map[string]string
	full, cond map[string]int
}

func (f *labFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.body[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := `"` + sha256hex(b)[:16] + `"`
	w.Header().Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		f.cond[r.URL.Path]++
		if inm == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	} else {
		f.full[r.URL.Path]++
	}
	_, _ = io.WriteString(w, b)
}

func (f *labFiles) counts(p string) (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.full[p], f.cond[p]
}

func (f *labFiles) set(p, b string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.body[p] = b
}

// startGitDaemon makes a bare repository app.git (tag v1, then a second
// commit on main) and serves it with git daemon on addr; it returns the
// git:// base URL.
func startGitDaemon(t *testing.T, addr string) string {
	t.Helper()
	base := t.TempDir()
	work := filepath.Join(base, "work")
	git := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=kd", "GIT_AUTHOR_EMAIL=kd@example.com", "GIT_COMMITTER_NAME=kd", "GIT_COMMITTER_EMAIL=kd@example.com")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, b)
		}
	}
	git(base, "init", "-q", "-b", "main", work)
	if err := os.WriteFile(filepath.Join(work, "README"), []byte("version 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(work, "add", "README")
	git(work, "commit", "-q", "-m", "one")
	git(work, "tag", "-a", "v1", "-m", "v1")
	if err := os.WriteFile(filepath.Join(work, "README"), []byte("version 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(work, "commit", "-q", "-am", "two")
	git(base, "clone", "-q", "--bare", work, filepath.Join(base, "app.git"))
	pl, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Fatal(err)
	}
	port := pl.Addr().(*net.TCPAddr).Port
	pl.Close()
	d := exec.Command("git", "daemon", "--export-all", "--reuseaddr", "--base-path="+base, "--listen="+addr, "--port="+strconv.Itoa(port), base)
	// git runs git-daemon as its child: stop the whole process group.
	d.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-d.Process.Pid, syscall.SIGTERM); _ = d.Wait() })
	url := "git://" + net.JoinHostPort(addr, strconv.Itoa(port))
	for i := 0; ; i++ {
		if err := exec.Command("git", "ls-remote", url+"/app.git").Run(); err == nil {
			return url
		} else if i == 50 {
			t.Fatalf("git daemon on %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
