package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/converge-cm/converge/engine/share"
	"github.com/converge-cm/converge/engine/shell"
)

// Files of the pull state directory (--dir).
const (
	pullCheckout   = "repo"
	pullLastGood   = "last-good"
	pullReportFile = "last-report.json"
	pullLockFile   = "lock"
	pullUnitDir    = "/etc/systemd/system"
	pullCronFile   = "/etc/cron.d/converge-pull"
	pullUnitName   = "converge-pull"
)

// PullOptions are the flags of `converge pull`.
type PullOptions struct {
	IO *IO

	Repo, Ref, RunList string
	Dir                string
	Report, ReportURL  string
	Attrs              []string
	JSONAttrs          string // -j, made absolute: the run reads it from the checkout
	Environment        string // -E
	Rollback           bool

	Install          bool
	Interval, Splay  time.Duration
	Cron             bool
	Executable       string // the binary the timer runs; os.Executable() when empty
	UnitDir, CronDir string // where --install writes; the system's when empty
	systemd          func() bool
}

// NewCmdPull is `converge pull`.
func NewCmdPull(io *IO) *cobra.Command {
	o := &PullOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "pull --repo URL --ref REF -r RUN_LIST",
		Short: "Converge this machine from a git repository (pull mode)",
		Long: `pull converges the machine it runs on from a git repository: it fetches
REF of the repository into --dir, checks out its commit, verifies the shared
cookbooks against the commit's converge.lock (fetching them with git when the
commit does not carry .converge/cookbooks), and runs 'converge --local -r
RUN_LIST' in the checkout.

A cookbook whose content does not match converge.lock refuses the run: the
node is not touched, the report names the cookbook, and the exit status is 2.
A run that converges records its commit in DIR/last-good; --rollback checks
that commit out again and converges it. A second pull of the same commit
still converges, which changes nothing unless the node drifted.

The report (--report, default DIR/last-report.json) is JSON lines: a "pull"
event (repository, commit, outcome), the run's events, and its summary
event. --report-url POSTs it as well (a failed POST is only a warning).

--install writes a systemd service and timer (every --interval, with a
random delay up to --splay) that run the same pull, and enables the timer;
with --cron, or where systemd is not running, it writes /etc/cron.d/converge-pull
at a random minute instead.

Exit status: 0 converged, 1 the run failed, 2 usage error, a git error or a
refused commit.`,
		Example: `  converge pull --repo https://git.example.com/ops/site.git --ref main -r base,web
  converge pull --repo https://git.example.com/ops/site.git --ref main -r base --install --interval 30m --splay 5m
  converge pull --rollback --repo https://git.example.com/ops/site.git --ref main -r base`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return pullRun(cmd.Context(), o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.Repo, "repo", "", "git URL of the repository (anything 'git fetch' takes)")
	f.StringVar(&o.Ref, "ref", "main", "branch, tag or commit to converge")
	f.StringVarP(&o.RunList, "run-list", "r", "", "comma-separated cookbook, cookbook::recipe or recipe[cookbook::recipe] items")
	f.StringArrayVarP(&o.Attrs, "attr", "a", nil, "normal attribute key.path=value (repeatable)")
	f.StringVarP(&o.JSONAttrs, "json-attributes", "j", "", "JSON file of normal attributes on this machine (Chef's -j)")
	f.StringVarP(&o.Environment, "environment", "E", "", "Chef environment (the repository's environments/NAME.json) of this machine")
	f.StringVar(&o.Dir, "dir", "/var/lib/converge/pull", "state directory: the checkout, last-good and the last report")
	f.StringVar(&o.Report, "report", "", "file the JSON report is written to (default DIR/last-report.json)")
	f.StringVar(&o.ReportURL, "report-url", "", "URL the JSON report is POSTed to")
	f.BoolVar(&o.Rollback, "rollback", false, "check out the last commit that converged (DIR/last-good) and converge it")
	f.BoolVar(&o.Install, "install", false, "write a systemd timer (or a cron entry) that runs this pull, then exit")
	f.DurationVar(&o.Interval, "interval", 30*time.Minute, "with --install: time between pulls")
	f.DurationVar(&o.Splay, "splay", 5*time.Minute, "with --install: random delay added to each pull (systemd's RandomizedDelaySec)")
	f.BoolVar(&o.Cron, "cron", false, "with --install: write /etc/cron.d/converge-pull even where systemd runs")
	return cmd
}

func (o *PullOptions) validate() error {
	if o.Repo == "" {
		return usageErr("pull needs --repo URL")
	}
	if strings.TrimSpace(o.Ref) == "" || strings.HasPrefix(o.Ref, "-") {
		return usageErr("--ref %q: want a branch, tag or commit", o.Ref)
	}
	if strings.TrimSpace(o.RunList) == "" {
		return usageErr("pull needs -r RUN_LIST")
	}
	if o.Dir == "" {
		return usageErr("--dir must not be empty")
	}
	if o.Install && o.Rollback {
		return usageErr("--install writes the timer; --rollback converges now: give one of them")
	}
	if o.Install && o.Interval < time.Minute {
		return usageErr("--interval %s: want 1m or more", o.Interval)
	}
	if o.Splay < 0 {
		return usageErr("--splay %s is negative", o.Splay)
	}
	if o.JSONAttrs != "" {
		// The run reads it from inside the checkout, the timer from /.
		abs, err := filepath.Abs(o.JSONAttrs)
		if err != nil {
			return usageErr("-j %s: %v", o.JSONAttrs, err)
		}
		o.JSONAttrs = abs
	}
	return nil
}

// pullEvent is the first line of a pull report.
type pullEvent struct {
	Type     string `json:"type"` // "pull"
	Repo     string `json:"repo"`
	Ref      string `json:"ref"`
	Commit   string `json:"commit,omitempty"`
	Rollback bool   `json:"rollback,omitempty"`
	// Status is converged, failed or refused.
	Status string `json:"status"`
	// Refused are the cookbooks whose content does not match converge.lock.
	Refused  []string `json:"refused_cookbooks,omitempty"`
	Error    string   `json:"error,omitempty"`
	Updated  int      `json:"updated"`
	LastGood string   `json:"last_good,omitempty"`
	Time     string   `json:"time"`
}

func pullRun(ctx context.Context, o *PullOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	if o.Install {
		return pullInstall(o)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return usageErr("--dir: %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usageErr("--dir: %v", err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	report := o.Report
	if report == "" {
		report = filepath.Join(dir, pullReportFile)
	}
	if report, err = filepath.Abs(report); err != nil {
		return usageErr("--report: %v", err)
	}

	ev := pullEvent{Type: "pull", Repo: o.Repo, Ref: o.Ref, Rollback: o.Rollback, Time: time.Now().UTC().Format(time.RFC3339)}
	ev.LastGood = readLastGood(dir)
	var runOut bytes.Buffer
	runErr := o.pull(ctx, dir, &ev, &runOut)
	if runErr != nil && ev.Status == "" {
		ev.Status = "failed"
	}
	if runErr != nil {
		ev.Error = strings.TrimSpace(runErr.Error())
	}
	line, _ := json.Marshal(ev)
	body := append(append(line, '\n'), runOut.Bytes()...)
	if err := os.WriteFile(report, body, 0o600); err != nil {
		fmt.Fprintf(o.IO.Err, "converge: warning: writing the report %s: %v\n", report, err)
	}
	if o.ReportURL != "" {
		if err := postReport(ctx, o.ReportURL, body); err != nil {
			fmt.Fprintf(o.IO.Err, "converge: warning: posting the report to %s: %v\n", o.ReportURL, err)
		}
	}
	fmt.Fprintf(o.IO.Err, "converge pull: %s at %s: %s, %d updated; report in %s\n", o.Ref, shortCommit(ev.Commit), ev.Status, ev.Updated, report)
	return runErr
}

// pull fetches, checks out and verifies the commit, then converges it;
// the run's JSON events go to out.
func (o *PullOptions) pull(ctx context.Context, dir string, ev *pullEvent, out *bytes.Buffer) error {
	checkout := filepath.Join(dir, pullCheckout)
	if err := ensureCheckout(ctx, checkout); err != nil {
		return err
	}
	var commit string
	if o.Rollback {
		if ev.LastGood == "" {
			return usageErr("--rollback: no commit has converged yet (%s is missing)", filepath.Join(dir, pullLastGood))
		}
		commit = ev.LastGood
	} else {
		if _, err := gitOut(ctx, checkout, "fetch", "--quiet", "--no-tags", "--", o.Repo, o.Ref); err != nil {
			return err
		}
		c, err := gitOut(ctx, checkout, "rev-parse", "--verify", "--quiet", "FETCH_HEAD^{commit}")
		if err != nil {
			return err
		}
		commit = c
	}
	ev.Commit = commit
	if _, err := gitOut(ctx, checkout, "checkout", "--quiet", "--force", "--detach", commit); err != nil {
		return err
	}
	// Whatever the last run left (a tampered file, a stale vendored copy)
	// goes; the git cache of shared cookbooks stays.
	if _, err := gitOut(ctx, checkout, "clean", "-ffdxq", "-e", "/"+share.CacheDir+"/"); err != nil {
		return err
	}
	if refused, err := verifyCheckout(checkout); err != nil {
		ev.Status, ev.Refused = "refused", refused
		var fe *fetchError
		if errors.As(err, &fe) {
			// Not the content: git could not fetch it.
			ev.Status = "failed"
		}
		return &exitError{code: ExitUsage, err: fmt.Errorf("commit %s refused: %w", shortCommit(commit), err)}
	}

	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if err := os.Chdir(checkout); err != nil {
		return err
	}
	defer os.Chdir(wd)
	w := io.Writer(out)
	var rw interface{ Flush() error }
	if o.IO.Secrets != nil {
		r := o.IO.Secrets.Writer(out)
		w, rw = r, r
	}
	runIO := &IO{Out: io.MultiWriter(w, o.IO.Out), Err: o.IO.Err, Secrets: o.IO.Secrets, Decrypt: o.IO.Decrypt}
	ro := &RunOptions{IO: runIO, RunList: o.RunList, Local: true, Format: "json", Attrs: o.Attrs,
		JSONAttrs: o.JSONAttrs, Environment: o.Environment,
		CookbookPaths: []string{"cookbooks"}, Concurrency: 1, Timeout: 30 * time.Second}
	setRunDefaults(ro)
	rctx, stop := interruptible(ctx, o.IO.Err)
	nodes, err := convergeNodes(rctx, ro)
	stop()
	if rw != nil {
		rw.Flush()
	}
	for _, n := range nodes {
		ev.Updated += n.res.Updated
	}
	if err != nil {
		// A recipe error (exit 2) or a node failure (exit 1): failed.
		return err
	}
	ev.Status = "converged"
	if err := writeLastGood(dir, checkout, commit); err != nil {
		return err
	}
	ev.LastGood = commit
	return nil
}

// setRunDefaults gives ro the defaults of the run flags it does not set.
func setRunDefaults(ro *RunOptions) {
	d := &RunOptions{}
	d.addFlags(&cobra.Command{}, true)
	ro.ProbeTimeout, ro.CommandTimeout = d.ProbeTimeout, d.CommandTimeout
}

// verifyCheckout fetches the shared cookbooks converge.lock pins when the
// commit does not carry them, and verifies them against the lock. On a
// mismatch it returns the cookbooks that differ.
func verifyCheckout(checkout string) ([]string, error) {
	lockBytes, err := os.ReadFile(filepath.Join(checkout, share.LockFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	lock, err := share.ReadLock(checkout)
	if err != nil {
		return nil, err
	}
	missing := false
	for name := range lock.Cookbooks {
		if _, err := os.Stat(filepath.Join(checkout, share.VendorDir, name)); err != nil {
			missing = true
		}
	}
	if missing {
		// The commit carries converge.lock but not the vendored copies:
		// fetch what the lock pins with git. Install must not have to
		// change the lock.
		if _, err := share.Install(checkout); err != nil {
			return nil, &fetchError{fmt.Errorf("fetching the cookbooks %s pins: %w", share.LockFile, err)}
		}
		after, err := os.ReadFile(filepath.Join(checkout, share.LockFile))
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(after, lockBytes) {
			var changed []string
			if now, err := share.ReadLock(checkout); err == nil {
				for name, l := range now.Cookbooks {
					if old := lock.Cookbooks[name]; old == nil || old.Hash != l.Hash || old.Commit != l.Commit {
						changed = append(changed, name)
					}
				}
			}
			sort.Strings(changed)
			return changed, fmt.Errorf("the cookbooks fetched for %s do not match it (%s); run 'converge cookbooks install' and commit the lock", share.LockFile, strings.Join(changed, ", "))
		}
	}
	if _, err := share.Verify(checkout); err != nil {
		var bad []string
		for name, l := range lock.Cookbooks {
			if t, terr := share.ReadTree(filepath.Join(checkout, share.VendorDir, name)); terr != nil || t.Hash() != l.Hash {
				bad = append(bad, name)
			}
		}
		sort.Strings(bad)
		return bad, err
	}
	return nil, nil
}

// fetchError is a failure to fetch the locked cookbooks, as opposed to
// content that does not match the lock.
type fetchError struct{ err error }

func (e *fetchError) Error() string { return e.err.Error() }
func (e *fetchError) Unwrap() error { return e.err }

func ensureCheckout(ctx context.Context, checkout string) error {
	if _, err := os.Stat(filepath.Join(checkout, ".git")); err == nil {
		return nil
	}
	if err := os.MkdirAll(checkout, 0o755); err != nil {
		return err
	}
	_, err := gitOut(ctx, checkout, "init", "--quiet")
	return err
}

// gitOut runs the system git in dir and returns its trimmed output.
func gitOut(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", usageErr("pull needs git: install it (apt-get install -y git)")
		}
		return "", &exitError{code: ExitUsage, err: fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))}
	}
	return strings.TrimSpace(stdout.String()), nil
}

func readLastGood(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, pullLastGood))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// writeLastGood records commit, and keeps a ref to it so that git never
// prunes it from the checkout.
func writeLastGood(dir, checkout, commit string) error {
	if _, err := gitOut(context.Background(), checkout, "update-ref", "refs/converge/last-good", commit); err != nil {
		return err
	}
	tmp := filepath.Join(dir, pullLastGood+".new")
	if err := os.WriteFile(tmp, []byte(commit+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, pullLastGood))
}

// lockDir holds DIR/lock so that a timer and a pull by hand do not run at
// once: the second waits for the first.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, pullLockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	if c == "" {
		return "(no commit)"
	}
	return c
}

func postReport(ctx context.Context, url string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s", resp.Status)
	}
	return nil
}

// pullArgs are the arguments the timer runs: the same pull.
func (o *PullOptions) pullArgs() []string {
	args := []string{"pull", "--repo", o.Repo, "--ref", o.Ref, "-r", o.RunList, "--dir", o.Dir}
	for _, a := range o.Attrs {
		args = append(args, "-a", a)
	}
	if o.JSONAttrs != "" {
		args = append(args, "-j", o.JSONAttrs)
	}
	if o.Environment != "" {
		args = append(args, "-E", o.Environment)
	}
	if o.Report != "" {
		args = append(args, "--report", o.Report)
	}
	if o.ReportURL != "" {
		args = append(args, "--report-url", o.ReportURL)
	}
	return args
}

// systemdQuote quotes one ExecStart word: specifiers (%) and variables ($)
// are escaped, a word with other than plain characters is double-quoted.
func systemdQuote(s string) string {
	s = strings.NewReplacer("%", "%%", "$", "$$").Replace(s)
	plain := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+,=$", r)) {
			plain = false
		}
	}
	if plain {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// systemdUnits returns the service and the timer --install writes.
func systemdUnits(exe string, o *PullOptions) (service, timer string) {
	words := []string{systemdQuote(exe)}
	for _, a := range o.pullArgs() {
		words = append(words, systemdQuote(a))
	}
	service = fmt.Sprintf(`# Written by converge pull --install.
[Unit]
Description=converge pull of %s (%s)
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart=%s
`, strings.ReplaceAll(o.Repo, "%", "%%"), strings.ReplaceAll(o.Ref, "%", "%%"), strings.Join(words, " "))
	timer = fmt.Sprintf(`# Written by converge pull --install.
[Unit]
Description=converge pull every %s

[Timer]
OnActiveSec=%d
OnUnitActiveSec=%d
RandomizedDelaySec=%d
Unit=%s.service

[Install]
WantedBy=timers.target
`, o.Interval, int(o.Interval.Seconds()), int(o.Interval.Seconds()), int(o.Splay.Seconds()), pullUnitName)
	return service, timer
}

// cronEntry returns /etc/cron.d/converge-pull: the pull every interval,
// at a random minute offset (the splay of cron).
func cronEntry(exe string, o *PullOptions, rnd *rand.Rand) (string, error) {
	m := int(o.Interval / time.Minute)
	var when string
	switch {
	case o.Interval%time.Minute != 0:
		return "", usageErr("--cron: --interval %s is not a whole number of minutes", o.Interval)
	case m < 60 && 60%m == 0:
		when = fmt.Sprintf("%d-59/%d * * * *", rnd.IntN(m), m)
	case m%60 == 0 && 24%(m/60) == 0:
		h := m / 60
		when = fmt.Sprintf("%d %d-23/%d * * *", rnd.IntN(60), rnd.IntN(h), h)
	default:
		return "", usageErr("--cron: --interval %s must divide an hour or a day (such as 15m, 30m, 1h, 6h)", o.Interval)
	}
	cmd := shell.Join(append([]string{exe}, o.pullArgs()...)...)
	cmd = strings.ReplaceAll(cmd, "%", `\%`)
	return fmt.Sprintf("# Written by converge pull --install.\nSHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n%s root %s\n", when, cmd), nil
}

// systemdRunning reports whether systemd is PID 1 (sd_booted's test).
func systemdRunning() bool {
	st, err := os.Stat("/run/systemd/system")
	return err == nil && st.IsDir()
}

func pullInstall(o *PullOptions) error {
	exe := o.Executable
	if exe == "" {
		e, err := os.Executable()
		if err != nil {
			return err
		}
		exe = e
	}
	if !filepath.IsAbs(o.Dir) {
		abs, err := filepath.Abs(o.Dir)
		if err != nil {
			return err
		}
		o.Dir = abs
	}
	if o.Report != "" && !filepath.IsAbs(o.Report) {
		abs, err := filepath.Abs(o.Report)
		if err != nil {
			return err
		}
		o.Report = abs
	}
	running := systemdRunning
	if o.systemd != nil {
		running = o.systemd
	}
	if !o.Cron && running() {
		unitDir := firstNonEmpty(o.UnitDir, pullUnitDir)
		service, timer := systemdUnits(exe, o)
		for name, body := range map[string]string{pullUnitName + ".service": service, pullUnitName + ".timer": timer} {
			if err := os.WriteFile(filepath.Join(unitDir, name), []byte(body), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(o.IO.Out, "wrote %s\n", filepath.Join(unitDir, name))
		}
		if o.UnitDir == "" {
			for _, args := range [][]string{{"daemon-reload"}, {"enable", "--now", pullUnitName + ".timer"}} {
				if out, err := exec.Command("systemctl", args...).CombinedOutput(); err != nil {
					return fmt.Errorf("systemctl %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
				}
			}
			fmt.Fprintf(o.IO.Out, "enabled %s.timer: a pull every %s, up to %s later at random\n", pullUnitName, o.Interval, o.Splay)
		}
		return nil
	}
	entry, err := cronEntry(exe, o, rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())))
	if err != nil {
		return err
	}
	path := pullCronFile
	if o.CronDir != "" {
		path = filepath.Join(o.CronDir, filepath.Base(pullCronFile))
	}
	if err := os.WriteFile(path, []byte(entry), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(o.IO.Out, "wrote %s\n", path)
	return nil
}
