package resources_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/converge-cm/converge/cmd/converge/cli"
	"github.com/converge-cm/converge/engine/lab"
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
func TestKinds_ConvergeOnLabNode(t *testing.T) {
	why := ""
	if os.Geteuid() != 0 {
		why = "not root"
	} else if _, err := exec.LookPath("systemd-nspawn"); err != nil {
		why = "no systemd-nspawn"
	}
	if why != "" {
		if os.Getenv("CONVERGE_E2E") == "1" {
			t.Fatalf("CONVERGE_E2E=1 but lab nodes cannot run: %s", why)
		}
		t.Skipf("kinds e2e needs root and systemd-nspawn (%s)", why)
	}
	if err := lab.Requirements(); err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	wd, _ := os.Getwd()
	if err := os.Symlink(filepath.Join(wd, "testdata", "kinds_e2e", "cookbooks"), filepath.Join(repo, "cookbooks")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll("/var/lib/converge", 0o755); err != nil {
		t.Fatal(err)
	}
	state, err := os.MkdirTemp("/var/lib/converge", "kdtest-")
	if err != nil {
		t.Fatal(err)
	}
	l, err := lab.Open(repo)
	if err != nil {
		t.Fatal(err)
	}
	l.StateDir, l.Bridge, l.Subnet = state, "cvgkd", "10.213.131.0/24"
	l.Out = logWriter{t}
	t.Cleanup(func() {
		if err := l.Down(); err != nil {
			t.Errorf("lab down: %v", err)
		}
		os.RemoveAll(state)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := l.Up(ctx, []string{"kd1"}, lab.UpOptions{Image: lab.ImageDebian12}); err != nil {
		t.Fatal(err)
	}
	t.Chdir(repo)

	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		code := cli.Main(append(args, "kd1"), &out, &errb)
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
	all := []string{"cron_d[kd-rotate]", "sysctl[net.ipv4.ip_forward]", "kernel_module[overlay]",
		"kernel_module[pcspkr]", "bash[marker]", "perl[perl-marker]", "hostname[kd1.lab.example]",
		"systemd_unit[kd-hello.service]", "directory[/srv/kd-repo]", "file[/srv/kd-repo/Packages]", "apt_repository[kd-local]"}

	plan := run("plan", "-r", "kd_kinds")
	if got := changed(plan); strings.Join(got, " ") != strings.Join(all, " ") {
		t.Errorf("plan would change %v, want %v", got, all)
	}
	for _, want := range []string{"create new file /etc/cron.d/kd-rotate", "create new file /etc/sysctl.d/99-converge-net.ipv4.ip_forward.conf",
		"create new file /etc/modules-load.d/overlay.conf", "create new file /etc/modprobe.d/blacklist_pcspkr.conf",
		`set hostname from "kd1" to "kd1.lab.example"`, "INFO: converging kinds on kd1",
		"create new file /etc/systemd/system/kd-hello.service", "systemctl daemon-reload", "systemctl enable -- kd-hello.service",
		"systemctl start -- kd-hello.service", "+deb [trusted=yes] file:///srv/kd-repo ./",
		"apt-get -q update -o Dir::Etc::sourcelist=/etc/apt/sources.list.d/kd-local.list"} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q", want)
		}
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
		"cat /etc/cron.d/kd-rotate":                                                      "*/10 * * * * root /usr/bin/true",
		"cat /etc/sysctl.d/99-converge-net.ipv4.ip_forward.conf":                         "net.ipv4.ip_forward = 0",
		"cat /etc/modules-load.d/overlay.conf":                                           "overlay",
		"cat /etc/modprobe.d/blacklist_pcspkr.conf":                                      "blacklist pcspkr",
		"cat /tmp/kd-marker /tmp/kd-perl":                                                "hello from bash\nperl",
		"hostname; cat /etc/hostname; grep 127.0.1.1 /etc/hosts":                         "kd1.lab.example\nkd1.lab.example\n127.0.1.1\tkd1.lab.example kd1 kd-one",
		"systemctl is-enabled kd-hello; systemctl is-active kd-hello; cat /run/kd-hello": "enabled\nactive\nhello",
		"apt-cache policy kd-dummy":                                                      "Candidate: 1.0",
	} {
		if got := ssh(cmd); !strings.Contains(got, want) {
			t.Errorf("%s: got %q, want %q", cmd, got, want)
		}
	}
	second := run("-r", "kd_kinds")
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
}

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
