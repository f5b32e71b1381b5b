package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/transport/ssh/sshtest"
)

// sshArgs are the flags that reach s with strict host key checking.
func sshArgs(s *sshtest.Server, knownHosts string) []string {
	return []string{"-i", s.ClientKeyPath, "--known-hosts", knownHosts}
}

func TestConverge_SSH_FirstRunUpdatesAllSecondNoneAndKeepsMtimes(t *testing.T) {
	s := sshtest.Start(t, sshtest.Options{})
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	s.WriteKnownHosts(kh)
	root := filepath.Join(dir, "root")
	target := fmt.Sprintf("%s@%s:%d", s.User, s.Addrs[0], s.Port)
	args := append([]string{"-r", "tmpdemo", "--cookbook-path", repoPath(t, "testdata/cookbooks"),
		"-a", "root=" + root, "--format", "json", target}, sshArgs(s, kh)...)

	first := converge(t, args...)
	if first.code != 0 {
		t.Fatalf("first run exit %d\n%s\n%s", first.code, first.stdout, first.stderr)
	}
	evs := events(t, first.stdout)
	if got := updatedBy(evs)[target]; got != 9 {
		t.Fatalf("first run updated %d resources, want all 9\n%s", got, first.stdout)
	}
	reloads, err := os.ReadFile(filepath.Join(root, "reloads.log"))
	if err != nil || string(reloads) != "reloaded\n" {
		t.Fatalf("the delayed notification should have run once: %q, %v", reloads, err)
	}
	conf, err := os.ReadFile(filepath.Join(root, "etc", "app.conf"))
	if err != nil || !strings.Contains(string(conf), "user = bob") {
		t.Fatalf("template not rendered: %q, %v", conf, err)
	}
	if st, _ := os.Stat(filepath.Join(root, "etc", "app.conf")); st.Mode().Perm() != 0o640 {
		t.Errorf("app.conf mode %o, want 0640", st.Mode().Perm())
	}
	before := mtimes(t, root)

	second := converge(t, args...)
	if second.code != 0 {
		t.Fatalf("second run exit %d\n%s\n%s", second.code, second.stdout, second.stderr)
	}
	if got := updatedBy(events(t, second.stdout))[target]; got != 0 {
		t.Fatalf("second run updated %d resources, want 0\n%s", got, second.stdout)
	}
	after := mtimes(t, root)
	for p, m := range before {
		if after[p] != m {
			t.Errorf("%s was touched by the no-op run", p)
		}
	}
	if len(after) != len(before) {
		t.Errorf("the no-op run created or removed paths: %d before, %d after", len(before), len(after))
	}
}

func TestPlan_DryRunChangesNothingAndPrintsDiff(t *testing.T) {
	s := sshtest.Start(t, sshtest.Options{})
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	s.WriteKnownHosts(kh)
	root := filepath.Join(dir, "root")
	target := fmt.Sprintf("%s@%s:%d", s.User, s.Addrs[0], s.Port)
	base := append([]string{"-r", "tmpdemo", "--cookbook-path", repoPath(t, "testdata/cookbooks"), "-a", "root=" + root, target}, sshArgs(s, kh)...)

	// On an empty node, plan creates nothing.
	r := converge(t, append([]string{"plan"}, base...)...)
	if r.code != 0 {
		t.Fatalf("plan exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Fatalf("plan created %s", root)
	}
	if !strings.Contains(r.stdout, "+port = 8080") || !strings.Contains(r.stdout, "[would change]") {
		t.Errorf("plan should show the template's diff:\n%s", r.stdout)
	}

	if r := converge(t, base...); r.code != 0 {
		t.Fatalf("converge exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	motd := filepath.Join(root, "motd")
	if err := os.WriteFile(motd, []byte("edited by hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := mtimes(t, root)
	r = converge(t, append([]string{"--dry-run"}, base...)...)
	if r.code != 0 {
		t.Fatalf("dry run exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"-edited by hand", "+hello from", "file[" + motd + "] action create [would change]"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, r.stdout)
		}
	}
	if b, _ := os.ReadFile(motd); string(b) != "edited by hand\n" {
		t.Errorf("dry run rewrote %s: %q", motd, b)
	}
	after := mtimes(t, root)
	for p, m := range before {
		if after[p] != m {
			t.Errorf("dry run touched %s", p)
		}
	}
}

func TestHostKeys_UnknownRefusedAcceptNewRecordsChangedRefused(t *testing.T) {
	s := sshtest.Start(t, sshtest.Options{})
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts") // empty: the host is unknown
	root := filepath.Join(dir, "root")
	target := fmt.Sprintf("%s@%s:%d", s.User, s.Addrs[0], s.Port)
	args := append([]string{"-r", "tmpdemo", "--cookbook-path", repoPath(t, "testdata/cookbooks"), "-a", "root=" + root, target}, sshArgs(s, kh)...)

	r := converge(t, args...)
	if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "--accept-new-host-keys") {
		t.Fatalf("unknown host key: want exit 1 naming --accept-new-host-keys, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Fatal("a node with an unknown host key was changed")
	}

	r = converge(t, append([]string{"--accept-new-host-keys"}, args...)...)
	if r.code != 0 {
		t.Fatalf("--accept-new-host-keys: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	b, _ := os.ReadFile(kh)
	if !strings.Contains(string(b), strings.TrimSpace(strings.Fields(s.KnownHostsLine(s.Addrs[0]))[2])) {
		t.Fatalf("the new host key was not recorded in %s:\n%s", kh, b)
	}
	if r := converge(t, args...); r.code != 0 {
		t.Fatalf("recorded key should now be trusted: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	s.Restart(t) // a new host key: what a man in the middle looks like
	r = converge(t, append([]string{"--accept-new-host-keys"}, args...)...)
	out := r.stdout + r.stderr
	if r.code != 1 || !strings.Contains(out, kh+":1") {
		t.Fatalf("changed host key: want exit 1 naming %s:1, got %d\n%s", kh, r.code, out)
	}
}

func TestConverge_OneNodeDownOneRefusingAuthOthersConverge(t *testing.T) {
	// sshd listens on at most 16 sockets: two servers of 9 addresses each.
	var addrs []string
	for i := 11; i <= 28; i++ {
		addrs = append(addrs, fmt.Sprintf("127.0.0.%d", i))
	}
	s := sshtest.Start(t, sshtest.Options{Addrs: addrs[:9]})
	s2 := sshtest.Start(t, sshtest.Options{Addrs: addrs[9:], HostKeyPath: s.HostKeyPath})
	dir := t.TempDir()
	t.Chdir(dir)
	kh := filepath.Join(dir, "known_hosts")
	s.WriteKnownHosts(kh)
	s2.WriteKnownHosts(kh)
	if err := os.MkdirAll("roots", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll("nodes", 0o755); err != nil {
		t.Fatal(err)
	}
	var names []string
	writeNode := func(name, host, user string, srv *sshtest.Server) {
		root := filepath.Join(dir, "roots", name)
		js := fmt.Sprintf(`{"name": %q, "converge": {"host": %q, "port": %d, "user": %q, "identity": %q}, "root": %q}`,
			name, host, srv.Port, user, srv.ClientKeyPath, root)
		if err := os.WriteFile(filepath.Join("nodes", name+".json"), []byte(js), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	for i, a := range addrs {
		srv := s
		if i >= 9 {
			srv = s2
		}
		writeNode(fmt.Sprintf("h%02d", i+1), a, s.User, srv)
	}
	writeNode("down", "127.0.0.29", s.User, s)          // nothing listens there
	writeNode("noauth", addrs[0], "converge-nobody", s) // sshd refuses this user
	args := append([]string{"-r", "tmpdemo", "--cookbook-path", repoPath(t, "testdata/cookbooks"),
		"--known-hosts", kh, "--format", "json", "--timeout", "5s"}, names...)
	r := converge(t, args...)
	if r.code != 1 {
		t.Fatalf("want exit 1 with a node down, got %d\n%s", r.code, r.stderr)
	}
	evs := events(t, r.stdout)
	ok := updatedBy(evs)
	failed := map[string]string{}
	for _, e := range evs {
		if e.Type == "node-end" && e.Status == "failed" {
			failed[e.Node] = e.Error
		}
	}
	for i := range addrs {
		n := fmt.Sprintf("h%02d", i+1)
		if ok[n] != 9 {
			t.Errorf("%s updated %d resources, want 9 (errors: %s)", n, ok[n], failed[n])
		}
		if _, err := os.Stat(filepath.Join(dir, "roots", n, "motd")); err != nil {
			t.Errorf("%s was not converged: %v", n, err)
		}
	}
	if !strings.Contains(failed["down"], "unreachable") {
		t.Errorf("node down: %q", failed["down"])
	}
	if !strings.Contains(failed["noauth"], "auth") {
		t.Errorf("node refusing auth: %q", failed["noauth"])
	}
	if !strings.Contains(r.stderr, "2 of 20 nodes failed: down, noauth") {
		t.Errorf("summary: %s", r.stderr)
	}
}

func TestQuoting_MetacharactersReachTheNodeAsData(t *testing.T) {
	s := sshtest.Start(t, sshtest.Options{})
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	s.WriteKnownHosts(kh)
	root := filepath.Join(dir, "root")
	// No slash in the value, so it stays one file name; a command it
	// injected would create the canary in the remote user's home.
	home, _ := os.UserHomeDir()
	name := fmt.Sprintf("cvg-canary-%d", os.Getpid())
	canary := filepath.Join(home, name)
	t.Cleanup(func() { os.Remove(canary) })
	evil := fmt.Sprintf("; touch %[1]s #'\"$(touch %[1]s)`touch %[1]s`\nx", name)
	target := fmt.Sprintf("%s@%s:%d", s.User, s.Addrs[0], s.Port)
	run := func(recipe string, attrs ...string) runResult {
		a := []string{"-r", recipe, "--cookbook-path", repoPath(t, "testdata/cookbooks"), "-a", "root=" + root, target}
		for _, x := range attrs {
			a = append(a, "-a", x)
		}
		return converge(t, append(a, sshArgs(s, kh)...)...)
	}
	evilJSON := strings.ReplaceAll(strings.ReplaceAll(fmt.Sprintf("%q", evil), "`", "\\u0060"), "$", "\\u0024")
	r := run("quoting", "evil="+evilJSON)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if b, err := os.ReadFile(filepath.Join(root, "file"+evil)); err != nil || string(b) != evil {
		t.Errorf("file with a metacharacter name: %q, %v", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "dir"+evil, "out.txt")); err != nil || string(b) != evil {
		t.Errorf("environment value should arrive verbatim: %q, %v", b, err)
	}
	if tgt, err := os.Readlink(filepath.Join(root, "link"+evil)); err != nil || tgt != filepath.Join(root, "file"+evil) {
		t.Errorf("link: %q, %v", tgt, err)
	}
	if r := run("quoting::service", "evil="+evilJSON); r.code != 0 {
		t.Errorf("service with a metacharacter name: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// apt looks the odd name up and fails: the run fails, nothing runs as shell.
	r = run("quoting::package", "evil_package="+evilJSON)
	if r.code != 1 {
		t.Errorf("package with a metacharacter name should fail to install, got exit %d\n%s", r.code, r.stdout)
	}
	if _, err := os.Stat(canary); !os.IsNotExist(err) {
		t.Fatalf("a recipe value was run as shell: %s exists", canary)
	}
	if r := run("quoting", "evil="+evilJSON); r.code != 0 || !strings.Contains(r.stdout, "0/") {
		t.Errorf("second run should change nothing: exit %d\n%s", r.code, r.stdout)
	}
}

func TestConverge_LocalConvergesThisMachine(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	args := []string{"--local", "-r", "tmpdemo", "--cookbook-path", repoPath(t, "testdata/cookbooks"), "-a", "root=" + root, "--format", "json"}
	r := converge(t, args...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, n := range updatedBy(events(t, r.stdout)) {
		if n != 9 {
			t.Fatalf("first --local run updated %d, want 9", n)
		}
	}
	r = converge(t, args...)
	for _, n := range updatedBy(events(t, r.stdout)) {
		if n != 0 {
			t.Fatalf("second --local run updated %d, want 0", n)
		}
	}
	if b, err := os.ReadFile(filepath.Join(root, "motd")); err != nil || !strings.HasPrefix(string(b), "hello from ") {
		t.Fatalf("motd: %q %v", b, err)
	}
}
