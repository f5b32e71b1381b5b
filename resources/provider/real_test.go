package provider

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests run the probes on this machine (debian 12 in CI, as root),
// the way the resource runs them on a node: through sh -c, exit status
// ignored.

func runProbe(t *testing.T, cmd string) string {
	t.Helper()
	out, err := exec.Command("sh", "-c", cmd).Output()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("running %s: %v", cmd, err)
	}
	return string(out)
}

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on this machine", tool)
		}
	}
}

func TestApt_ProbeOnThisMachine(t *testing.T) {
	need(t, "dpkg-query", "apt-cache")
	wantBash, err := exec.Command("dpkg-query", "-W", "-f=${Version}", "bash").Output()
	if err != nil || len(wantBash) == 0 {
		t.Skipf("bash is not a dpkg package here: %v", err)
	}
	names := []string{"bash", "converge-no-such-package", "x; rm -rf /", "$(id)"}
	for _, candidates := range []bool{false, true} {
		out := runProbe(t, Apt{}.Probe(names, candidates))
		got, err := Apt{}.ParseProbe(out, names)
		if err != nil {
			t.Fatalf("candidates=%v: %v\noutput:\n%s", candidates, err, out)
		}
		if got["bash"].Installed != string(wantBash) {
			t.Errorf("candidates=%v: bash installed %q, dpkg-query says %q", candidates, got["bash"].Installed, wantBash)
		}
		// Without fresh lists apt-cache still knows the installed version.
		if candidates && got["bash"].Candidate == "" {
			t.Errorf("bash has no candidate; output:\n%s", out)
		}
		if !candidates && got["bash"].Candidate != "" {
			t.Errorf("bash has candidate %q though none was asked for", got["bash"].Candidate)
		}
		for _, n := range names[1:] {
			if got[n] != (PackageState{}) {
				t.Errorf("candidates=%v: %q parsed as %+v, want not installed", candidates, n, got[n])
			}
		}
	}
}

// An init script with start links and one with none must read as enabled
// and not; a missing script as not existing.
func TestSysV_DebianProbeOnThisMachine(t *testing.T) {
	need(t, "service")
	enabled := ""
	links, _ := filepath.Glob("/etc/rc2.d/S[0-9][0-9]*")
	for _, l := range links {
		name := filepath.Base(l)[3:]
		if _, err := os.Stat("/etc/init.d/" + name); err == nil {
			enabled = name
			break
		}
	}
	if enabled == "" {
		t.Skip("no init script with a start link in /etc/rc2.d here")
	}
	s := SysV{Flavor: Debian}
	st, err := s.ParseProbe(runProbe(t, s.Probe(enabled, "")))
	if err != nil {
		t.Fatal(err)
	}
	if !st.Exists || !st.Enabled {
		t.Errorf("%s: got %+v, want it to exist and be enabled", enabled, st)
	}
	for _, name := range []string{"converge-no-such-service", "x; rm -rf /", "$(id)"} {
		st, err := s.ParseProbe(runProbe(t, s.Probe(name, "")))
		if err != nil {
			t.Fatal(err)
		}
		if st != (ServiceState{}) {
			t.Errorf("%q: got %+v, want nothing", name, st)
		}
	}
}

// Guards against pgrep -f matching the probe's own shell, whose command line
// would otherwise contain the pattern and make every service look running.
func TestSysV_PatternProbeDoesNotMatchItself(t *testing.T) {
	need(t, "pgrep", "sleep")
	sleeper := exec.Command("sleep", "3141592")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		sleeper.Process.Kill()
		sleeper.Wait()
	}()
	// Give the process a moment to exec, so its command line is "sleep …".
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(sleeper.Process.Pid) + "/cmdline"); strings.HasPrefix(string(cmdline), "sleep") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	s := SysV{Flavor: Debian}
	for pattern, want := range map[string]bool{
		"^sleep 3141592$":   true,
		"sleep 2718281":     false,
		"x; rm -rf / $(id)": false,
	} {
		st, err := s.ParseProbe(runProbe(t, s.Probe("converge-no-such-service", pattern)))
		if err != nil {
			t.Fatal(err)
		}
		if st.Running != want {
			t.Errorf("pattern %q: running %v, want %v", pattern, st.Running, want)
		}
	}
}

func TestSystemd_ProbeOnThisMachine(t *testing.T) {
	need(t, "systemctl")
	s := Systemd{}
	for _, name := range []string{"converge-no-such-unit", "x; rm -rf /", "$(id)"} {
		out := runProbe(t, s.Probe(name, ""))
		st, err := s.ParseProbe(out)
		if err != nil {
			t.Fatalf("%q: %v\noutput:\n%s", name, err, out)
		}
		if st != (ServiceState{}) {
			t.Errorf("%q: got %+v, want nothing\noutput:\n%s", name, st, out)
		}
	}
}
