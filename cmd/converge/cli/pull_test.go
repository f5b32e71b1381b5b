package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// pullSite is a site repository for pull mode, published in a bare
// repository site.git beside a shared cookbook plbase (base.git, v1.0.0)
// that the site's converge.yaml pulls and converge.lock pins. The site
// cookbook writes ROOT/site with a release's content; plbase writes
// ROOT/base.
type pullSite struct {
	t *testing.T
	// base is the directory of the bare repositories; url is how git
	// reaches it ("file path" or git://host:port).
	base, url string
	work      string
}

// newPullSite makes base.git with plbase v1.0.0. url is the prefix the
// site's converge.yaml names plbase by ("" for the local path); call
// commit to publish releases.
func newPullSite(t *testing.T, base string) *pullSite {
	t.Helper()
	plbase := newTeamRemote(t, base, "base")
	plbase.release("1.0.0", map[string]string{
		"metadata.star":        "name = \"plbase\"\nversion = \"1.0.0\"\n",
		"recipes/default.star": "directory(node[\"root\"], mode = \"0755\")\nfile(node[\"root\"] + \"/base\", content = \"base 1.0.0\\n\")\n",
	})
	s := &pullSite{t: t, base: base, url: base, work: filepath.Join(base, "work-site")}
	s.git(base, "init", "--quiet", "--bare", filepath.Join(base, "site.git"))
	s.git(base, "init", "--quiet", "-b", "main", s.work)
	return s
}

func (s *pullSite) git(dir string, args ...string) string {
	s.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// first writes the site with release content, locks and vendors plbase
// from url/base.git, and commits all of it (the vendored copy too, when
// vendored) to main.
func (s *pullSite) first(content string, vendored bool) string {
	s.t.Helper()
	writeTestFiles(s.t, s.work, map[string]string{
		"converge.yaml":                          fmt.Sprintf("cookbooks:\n  plbase: {git: %s/base.git, version: \"~> 1.0\"}\n", s.url),
		"cookbooks/site/metadata.star":           "name = \"site\"\nversion = \"0.1.0\"\ndepends = {\"plbase\": \"~> 1.0\"}\n",
		"cookbooks/site/recipes/default.star":    "include_recipe(\"plbase\")\nfile(node[\"root\"] + \"/site\", content = node[\"release\"])\n",
		"cookbooks/site/attributes/default.star": "default[\"release\"] = " + starString(content) + "\n",
	})
	wd, _ := os.Getwd()
	if err := os.Chdir(s.work); err != nil {
		s.t.Fatal(err)
	}
	r := converge(s.t, "cookbooks", "install")
	os.Chdir(wd)
	if r.code != 0 {
		s.t.Fatalf("cookbooks install: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !vendored {
		writeTestFiles(s.t, s.work, map[string]string{".gitignore": "/.converge/\n"})
	}
	s.git(s.work, "add", "-A")
	if _, err := os.Stat(filepath.Join(s.work, ".converge", "cookbooks", "plbase")); err != nil {
		s.t.Fatalf("cookbooks install vendored no plbase: %v", err)
	}
	if tracked := s.git(s.work, "ls-files", ".converge/cookbooks"); (tracked != "") != vendored {
		s.t.Fatalf("vendored=%v but git tracks %q", vendored, tracked)
	}
	return s.commit("release " + content)
}

// release changes the site's content and commits it.
func (s *pullSite) release(content string) string {
	s.t.Helper()
	writeTestFiles(s.t, s.work, map[string]string{"cookbooks/site/attributes/default.star": "default[\"release\"] = " + starString(content) + "\n"})
	return s.commit("release " + content)
}

// tamper changes plbase's vendored recipe, not its lock, and commits it.
func (s *pullSite) tamper() string {
	s.t.Helper()
	writeTestFiles(s.t, s.work, map[string]string{".converge/cookbooks/plbase/recipes/default.star": "file(node[\"root\"] + \"/base\", content = \"tampered\\n\")\n"})
	return s.commit("tamper with plbase")
}

func (s *pullSite) commit(msg string) string {
	s.t.Helper()
	s.git(s.work, "add", "-A")
	s.git(s.work, "commit", "--quiet", "-m", msg)
	s.git(s.work, "push", "--quiet", "--force", filepath.Join(s.base, "site.git"), "main")
	return s.git(s.work, "rev-parse", "HEAD")
}

func starString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// pullReport is a parsed pull report.
type pullReport struct {
	pull    pullEvent
	summary summaryEvent
	lines   int
}

func parsePullReport(t *testing.T, body string) pullReport {
	t.Helper()
	var r pullReport
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	last := ""
	for sc.Scan() {
		line := sc.Text()
		var head struct{ Type string }
		if err := json.Unmarshal([]byte(line), &head); err != nil {
			t.Fatalf("report line %d is not JSON: %q", r.lines+1, line)
		}
		switch {
		case r.lines == 0 && head.Type != "pull":
			t.Fatalf("report starts with %q, want the pull event", line)
		case r.lines == 0:
			json.Unmarshal([]byte(line), &r.pull)
		case head.Type == "summary":
			json.Unmarshal([]byte(line), &r.summary)
		}
		last = head.Type
		r.lines++
	}
	// A pull that stopped before converging has only its pull event.
	if r.lines > 1 && last != "summary" {
		t.Errorf("report ends with a %q event, want the summary", last)
	}
	return r
}

// TestPull_LocalRepository pulls a site repository from a local path into
// a state directory and converges this machine under a temporary root,
// once with the vendored cookbooks committed, once with only converge.lock
// committed (pull fetches plbase with git): the first pull converges and
// records last-good; a second at the same commit updates 0; a new commit
// is picked up; a commit whose vendored plbase was changed without its
// lock is refused with exit 2 naming plbase, changes nothing and keeps
// last-good; --rollback converges last-good again. The report is also
// POSTed to --report-url.
func TestPull_LocalRepository(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	for _, vendored := range []bool{true, false} {
		t.Run(fmt.Sprintf("vendored=%v", vendored), func(t *testing.T) {
			site := newPullSite(t, t.TempDir())
			c1 := site.first("one\n", vendored)
			root := filepath.Join(t.TempDir(), "root")
			state := filepath.Join(t.TempDir(), "state")

			var mu sync.Mutex
			var posted []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b := new(strings.Builder)
				_, _ = bufio.NewReader(r.Body).WriteTo(b)
				mu.Lock()
				posted = append(posted, r.Header.Get("Content-Type")+"\n"+b.String())
				mu.Unlock()
			}))
			defer srv.Close()

			pull := func(extra ...string) (runResult, pullReport) {
				t.Helper()
				args := append([]string{"pull", "--repo", filepath.Join(site.base, "site.git"), "--ref", "main", "-r", "site",
					"-a", "root=" + root, "--dir", state, "--report-url", srv.URL}, extra...)
				r := converge(t, args...)
				t.Logf("converge %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
				b, err := os.ReadFile(filepath.Join(state, pullReportFile))
				if err != nil {
					t.Fatalf("no report: %v", err)
				}
				return r, parsePullReport(t, string(b))
			}
			read := func(name string) string {
				b, _ := os.ReadFile(filepath.Join(root, name))
				return string(b)
			}
			lastGood := func() string { return readLastGood(state) }

			r, rep := pull()
			if r.code != 0 || rep.pull.Status != "converged" || rep.pull.Commit != c1 || rep.pull.Updated != 3 || rep.summary.Counts.Changed != 1 {
				t.Fatalf("first pull: exit %d, %+v, summary %+v; want converged %s with 3 updated", r.code, rep.pull, rep.summary, c1)
			}
			if read("site") != "one\n" || read("base") != "base 1.0.0\n" || lastGood() != c1 {
				t.Errorf("first pull: site %q, base %q, last-good %q", read("site"), read("base"), lastGood())
			}

			r, rep = pull()
			if r.code != 0 || rep.pull.Status != "converged" || rep.pull.Updated != 0 || rep.summary.Counts.UpToDate != 1 || rep.lines < 3 {
				t.Errorf("second pull at the same commit: exit %d, %+v, summary %+v; want 0 updated", r.code, rep.pull, rep.summary)
			}

			c2 := site.release("two\n")
			r, rep = pull()
			if r.code != 0 || rep.pull.Commit != c2 || rep.pull.Updated != 1 || read("site") != "two\n" || lastGood() != c2 {
				t.Errorf("new commit: exit %d, %+v, site %q, last-good %q; want %s, 1 updated", r.code, rep.pull, read("site"), lastGood(), c2)
			}

			if vendored {
				c3 := site.tamper()
				r, rep = pull()
				if r.code != ExitUsage || rep.pull.Status != "refused" || rep.pull.Commit != c3 || strings.Join(rep.pull.Refused, ",") != "plbase" ||
					!strings.Contains(rep.pull.Error, "vendored cookbook .converge/cookbooks/plbase") || !strings.Contains(r.stderr, "changed recipes/default.star") {
					t.Errorf("tampered commit: exit %d, %+v\n%s", r.code, rep.pull, r.stderr)
				}
				if read("base") != "base 1.0.0\n" || lastGood() != c2 {
					t.Errorf("a refused pull changed the machine or last-good: base %q, last-good %q (want %s)", read("base"), lastGood(), c2)
				}
			}

			// Drift, then roll back to last-good: it converges c2 again.
			if err := os.WriteFile(filepath.Join(root, "site"), []byte("drift\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			r, rep = pull("--rollback")
			if r.code != 0 || !rep.pull.Rollback || rep.pull.Commit != c2 || rep.pull.Updated != 1 || read("site") != "two\n" {
				t.Errorf("rollback: exit %d, %+v, site %q; want %s converged", r.code, rep.pull, read("site"), c2)
			}

			mu.Lock()
			defer mu.Unlock()
			wantPosts := 5
			if !vendored {
				wantPosts = 4
			}
			if len(posted) != wantPosts {
				t.Fatalf("%d reports posted, want %d", len(posted), wantPosts)
			}
			if !strings.HasPrefix(posted[0], "application/x-ndjson\n{\"type\":\"pull\"") || !strings.Contains(posted[0], `"type":"summary"`) {
				t.Errorf("posted report: %.300s", posted[0])
			}
		})
	}
}

func TestPull_ReportURLDownIsAWarning(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	site := newPullSite(t, t.TempDir())
	site.first("one\n", true)
	root := filepath.Join(t.TempDir(), "root")
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	r := converge(t, "pull", "--repo", filepath.Join(site.base, "site.git"), "-r", "site", "-a", "root="+root, "--dir", t.TempDir(), "--report-url", url)
	if r.code != 0 || !strings.Contains(r.stderr, "warning: posting the report to "+url) {
		t.Errorf("exit %d, want 0 and a warning:\n%s", r.code, r.stderr)
	}
}

func TestPull_Usage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"pull", "-r", "x"}, "pull needs --repo URL"},
		{[]string{"pull", "--repo", "u"}, "pull needs -r RUN_LIST"},
		{[]string{"pull", "--repo", "u", "-r", "x", "--ref", "--upload-pack=x"}, "want a branch, tag or commit"},
		{[]string{"pull", "--repo", "u", "-r", "x", "--install", "--rollback"}, "give one of them"},
		{[]string{"pull", "--repo", "u", "-r", "x", "--install", "--interval", "10s"}, "want 1m or more"},
	} {
		r := converge(t, tc.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, want 2 and %q:\n%s", tc.args, r.code, tc.want, r.stderr)
		}
	}
	// --rollback before anything converged.
	r := converge(t, "pull", "--repo", "u", "-r", "x", "--rollback", "--dir", t.TempDir())
	if r.code != ExitUsage || !strings.Contains(r.stderr, "no commit has converged yet") {
		t.Errorf("rollback without last-good: exit %d\n%s", r.code, r.stderr)
	}
}

func TestPull_InstallFiles(t *testing.T) {
	o := &PullOptions{Repo: "git://10.0.0.1:9418/site.git", Ref: "main", RunList: "site,base::x", Dir: "/var/lib/converge/pull",
		Attrs: []string{"motd=50% off $HOME"}, ReportURL: "http://logs.example.test/in", Interval: 30 * time.Minute, Splay: 5 * time.Minute}
	service, timer := systemdUnits("/usr/local/bin/converge", o)
	for _, want := range []string{
		"Type=oneshot\n",
		`ExecStart=/usr/local/bin/converge pull --repo git://10.0.0.1:9418/site.git --ref main -r site,base::x --dir /var/lib/converge/pull -a "motd=50%% off $$HOME" --report-url http://logs.example.test/in` + "\n",
	} {
		if !strings.Contains(service, want) {
			t.Errorf("service lacks %q:\n%s", want, service)
		}
	}
	for _, want := range []string{"OnActiveSec=1800\n", "OnUnitActiveSec=1800\n", "RandomizedDelaySec=300\n", "Unit=converge-pull.service\n", "WantedBy=timers.target\n"} {
		if !strings.Contains(timer, want) {
			t.Errorf("timer lacks %q:\n%s", want, timer)
		}
	}

	for _, tc := range []struct {
		interval time.Duration
		want     string // the schedule, with N for the random offset
		err      string
	}{
		{30 * time.Minute, "N-59/30 * * * *", ""},
		{15 * time.Minute, "N-59/15 * * * *", ""},
		{time.Hour, "N N-23/1 * * *", ""},
		{6 * time.Hour, "N N-23/6 * * *", ""},
		{7 * time.Minute, "", "must divide an hour or a day"},
		{90 * time.Second, "", "not a whole number of minutes"},
	} {
		o.Interval = tc.interval
		offsets := map[string]bool{}
		for seed := uint64(0); seed < 20; seed++ {
			entry, err := cronEntry("/usr/local/bin/converge", o, rand.New(rand.NewPCG(seed, seed)))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("%s: error %v, want %q", tc.interval, err, tc.err)
				}
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.interval, err)
			}
			line := strings.Split(strings.TrimSpace(entry), "\n")
			sched := line[len(line)-1]
			fields := strings.Fields(sched)
			var norm []string
			for _, f := range fields[:5] {
				if n, rest, ok := cutNumber(f); ok {
					f = "N" + rest
					_ = n
				}
				norm = append(norm, f)
			}
			if strings.Join(norm, " ") != tc.want {
				t.Errorf("%s: schedule %q, want %q", tc.interval, strings.Join(fields[:5], " "), tc.want)
			}
			offsets[fields[0]] = true
			if !strings.HasSuffix(sched, ` root /usr/local/bin/converge pull --repo git://10.0.0.1:9418/site.git --ref main -r site,base::x --dir /var/lib/converge/pull -a 'motd=50\% off $HOME' --report-url http://logs.example.test/in`) {
				t.Errorf("%s: cron command %q", tc.interval, sched)
			}
		}
		if tc.err == "" && len(offsets) < 2 {
			t.Errorf("%s: 20 entries all start at minute %v: no splay", tc.interval, offsets)
		}
	}

	// --install writes the files where it is told.
	dir := t.TempDir()
	for _, tc := range []struct {
		systemd, cron bool
		files         []string
	}{
		{true, false, []string{"converge-pull.service", "converge-pull.timer"}},
		{true, true, []string{"converge-pull"}},
		{false, false, []string{"converge-pull"}},
	} {
		d := filepath.Join(dir, fmt.Sprint(tc.systemd, tc.cron))
		os.MkdirAll(d, 0o755)
		var out strings.Builder
		po := &PullOptions{IO: &IO{Out: &out, Err: &out}, Repo: "r", Ref: "main", RunList: "site", Dir: "/s", Install: true, Cron: tc.cron,
			Interval: time.Hour, Splay: time.Minute, Executable: "/bin/converge", UnitDir: d, CronDir: d, systemd: func() bool { return tc.systemd }}
		if err := pullRun(nil, po); err != nil {
			t.Fatalf("install %+v: %v", tc, err)
		}
		entries, _ := os.ReadDir(d)
		var got []string
		for _, e := range entries {
			got = append(got, e.Name())
		}
		if strings.Join(got, " ") != strings.Join(tc.files, " ") {
			t.Errorf("install systemd=%v cron=%v wrote %v, want %v", tc.systemd, tc.cron, got, tc.files)
		}
	}
}

// cutNumber splits a leading decimal number off f.
func cutNumber(f string) (string, string, bool) {
	i := 0
	for i < len(f) && f[i] >= '0' && f[i] <= '9' {
		i++
	}
	return f[:i], f[i:], i > 0
}

// TestPull_LockedCookbookUnreachableFails: a commit carrying only
// converge.lock whose cookbook's git repository is gone fails (exit 2,
// status failed, not refused) and records no last-good.
func TestPull_LockedCookbookUnreachableFails(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	site := newPullSite(t, t.TempDir())
	site.first("one\n", false)
	if err := os.Rename(filepath.Join(site.base, "base.git"), filepath.Join(site.base, "gone.git")); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	r := converge(t, "pull", "--repo", filepath.Join(site.base, "site.git"), "-r", "site", "-a", "root="+filepath.Join(t.TempDir(), "root"), "--dir", state)
	b, err := os.ReadFile(filepath.Join(state, pullReportFile))
	if err != nil {
		t.Fatal(err)
	}
	rep := parsePullReport(t, string(b))
	if r.code != ExitUsage || rep.pull.Status != "failed" || !strings.Contains(rep.pull.Error, "fetching the cookbooks converge.lock pins") || readLastGood(state) != "" {
		t.Errorf("exit %d, %+v, last-good %q\n%s", r.code, rep.pull, readLastGood(state), r.stderr)
	}
}

// TestPull_EnvironmentAndJSONAttributes: -E picks an environment of the
// pulled repository (its override beats the cookbook's default) and -j
// reads a JSON file of this machine, given relative to where pull runs; the
// timer runs the same pull with -j made absolute.
func TestPull_EnvironmentAndJSONAttributes(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	site := newPullSite(t, t.TempDir())
	writeTestFiles(t, site.work, map[string]string{
		"environments/prod.json": `{"name": "prod", "override_attributes": {"release": "prod\n"}}`,
	})
	c1 := site.first("one\n", true)
	root := filepath.Join(t.TempDir(), "root")
	state := filepath.Join(t.TempDir(), "state")
	dir := t.TempDir()
	writeTestFiles(t, dir, map[string]string{"node.json": fmt.Sprintf(`{"root": %q}`, root)})
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)

	for _, tc := range []struct {
		env, want string
	}{
		{"", "one\n"},
		{"prod", "prod\n"},
	} {
		args := []string{"pull", "--repo", filepath.Join(site.base, "site.git"), "--ref", "main", "-r", "site", "-j", "node.json", "--dir", state}
		if tc.env != "" {
			args = append(args, "-E", tc.env)
		}
		r := converge(t, args...)
		b, _ := os.ReadFile(filepath.Join(root, "site"))
		if r.code != 0 || string(b) != tc.want {
			t.Errorf("pull -E %q: exit %d, site %q, want %q\n%s", tc.env, r.code, b, tc.want, r.stderr)
		}
	}
	if got := readLastGood(state); got != c1 {
		t.Errorf("last-good %q, want %s", got, c1)
	}

	o := &PullOptions{Repo: "r", Ref: "main", RunList: "site", Dir: state, JSONAttrs: "node.json", Environment: "prod"}
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(o.pullArgs(), " ")
	if want := "-j " + filepath.Join(dir, "node.json") + " -E prod"; !strings.Contains(got, want) {
		t.Errorf("the timer's pull %q lacks %q", got, want)
	}
}
