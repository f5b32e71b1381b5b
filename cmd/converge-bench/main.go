// Command converge-bench measures workload W (../shared/bench/WORKLOAD.md)
// with converge, Ansible and Ansible + Mitogen on the same local sshd
// hosts, and prints the median wall time of each tool, case and host
// count next to the floor (`ssh HOST true`, N in parallel).
//
// It starts its own sshd processes (Debian's /usr/sbin/sshd) on 127.0.0.11…
// port 2222, one per 16 hosts, with one host key, one client key and one
// known_hosts that every tool uses, and ends every process it started on
// exit, error or Ctrl-C. It must run as root (sshd serves root logins).
// Run it through .ci/bench, which installs the tools and builds converge.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	ns           []int
	runs         int
	tools        []string
	scale        bool
	scaleN       int
	port         int
	repo         string
	convergeBin  string
	convergeArgs string
	sshdConfig   string
	keep         bool
	machineHome  bool
	hold         bool
	runTimeout   time.Duration
}

func main() {
	os.Exit(realMain())
}

func realMain() int {
	var o options
	var ns, tools string
	flag.StringVar(&ns, "n", "1,10", "host counts, comma separated")
	flag.IntVar(&o.runs, "runs", 3, "runs of each tool, case and host count; the median is reported")
	flag.StringVar(&tools, "tools", "converge,ansible,mitogen", "tools to measure: converge, ansible, mitogen")
	flag.BoolVar(&o.scale, "scale", false, "add the scale run: converge only, first and no-op on -scale-n hosts, with peak RSS")
	flag.IntVar(&o.scaleN, "scale-n", 100, "hosts of the scale run")
	flag.IntVar(&o.port, "port", 2222, "sshd port on every host address")
	flag.StringVar(&o.repo, "repo", ".", "converge repository (for testdata/bench)")
	flag.StringVar(&o.convergeBin, "converge", "converge", "converge binary")
	flag.StringVar(&o.convergeArgs, "converge-args", "", "extra converge arguments, space separated (e.g. --cpuprofile=/tmp/c.prof)")
	flag.StringVar(&o.sshdConfig, "sshd-config", "", "extra sshd_config lines, separated by ';' (the same for every tool)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory")
	flag.BoolVar(&o.machineHome, "machine-home", false, "hosts log root in with its own home and rc files (default: an empty HOME, set with sshd's SetEnv)")
	flag.BoolVar(&o.hold, "hold", false, "start the hosts, print how to reach them, and wait for Ctrl-C (for profiling)")
	flag.DurationVar(&o.runTimeout, "run-timeout", 10*time.Minute, "limit of one tool run")
	flag.Parse()
	for _, f := range strings.Split(ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "converge-bench: -n %q: want positive numbers\n", ns)
			return 2
		}
		o.ns = append(o.ns, n)
	}
	for _, t := range strings.Split(tools, ",") {
		t = strings.TrimSpace(t)
		if t != "converge" && t != "ansible" && t != "mitogen" {
			fmt.Fprintf(os.Stderr, "converge-bench: -tools: unknown tool %q (want converge, ansible, mitogen)\n", t)
			return 2
		}
		o.tools = append(o.tools, t)
	}
	if o.runs < 1 {
		fmt.Fprintln(os.Stderr, "converge-bench: -runs must be at least 1")
		return 2
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "converge-bench: run as root: the hosts are sshd processes that serve root logins")
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	err := runBench(ctx, o)
	procs.stopAll()
	if err != nil {
		fmt.Fprintln(os.Stderr, "converge-bench: "+err.Error())
		if ctx.Err() != nil {
			return 130
		}
		return 1
	}
	return 0
}

func runBench(ctx context.Context, o options) (err error) {
	repo, err := filepath.Abs(o.repo)
	if err != nil {
		return err
	}
	bin := o.convergeBin
	if !strings.Contains(bin, "/") {
		if p, err := lookPath(bin); err == nil {
			bin = p
		}
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "converge-bench-")
	if err != nil {
		return err
	}
	if o.keep || o.hold {
		fmt.Fprintf(os.Stderr, "converge-bench: working directory %s (kept)\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	maxN := slices.Max(o.ns)
	if o.scale {
		maxN = max(maxN, o.scaleN)
	}
	var extra []string
	for _, l := range strings.Split(o.sshdConfig, ";") {
		if l = strings.TrimSpace(l); l != "" {
			extra = append(extra, l)
		}
	}
	if !o.machineHome {
		// A benchmark host models a server with a stock root account. This
		// machine's /root/.bashrc runs pyenv, and Debian's bash reads it for
		// every command sshd starts (150-250 ms each): an empty HOME keeps
		// that cost, which no tool controls, out of every tool's numbers.
		home := filepath.Join(dir, "home")
		if err := os.MkdirAll(home, 0o700); err != nil {
			return err
		}
		extra = append(extra, "SetEnv HOME="+home)
	}
	l, err := startLab(dir, maxN, o.port, extra)
	if err != nil {
		return err
	}
	defer l.stop()
	b := &bench{lab: l, dir: dir, repo: repo, convergeBin: bin, convergeArgs: strings.Fields(o.convergeArgs), runTimeout: o.runTimeout}
	defer b.endControlMasters()
	if err := b.writeNodes(); err != nil {
		return err
	}
	if err := l.resetRoots(maxN); err != nil {
		return err
	}
	if o.hold {
		return hold(ctx, b, maxN)
	}

	res := results{}
	// Whatever happens, show what was measured.
	defer func() {
		if err != nil && len(res) > 0 {
			fmt.Println("\n(partial: the benchmark stopped early)")
			res.print(os.Stdout, append(o.ns, scaleNs(o)...))
		}
	}()
	measure := func(tool string, n int, c string, fn func(context.Context) (sample, error)) (sample, error) {
		rctx, cancel := context.WithTimeout(ctx, o.runTimeout)
		defer cancel()
		s, err := fn(rctx)
		if err != nil {
			return s, fmt.Errorf("%s, %d hosts, %s: %w\nsshd log:\n%s", tool, n, c, err, tail([]byte(l.sshdLogs()), 2000))
		}
		res.add(tool, n, c, s)
		rss := ""
		if tool == "converge" {
			rss = fmt.Sprintf("  peak RSS %.1f MB", float64(s.MaxRSS)/1024)
			if rt := roundTrips(s.Out); rt >= 0 {
				rss += fmt.Sprintf("  %.1f round trips/host", rt)
			}
		}
		if s.Forks >= 0 {
			rss += fmt.Sprintf("  %d processes", s.Forks)
		}
		fmt.Fprintf(os.Stderr, "  %-8s N=%-3d %-8s %8.3fs%s\n", tool, n, c, s.Wall.Seconds(), rss)
		return s, nil
	}
	runTool := func(tool string, n int) error {
		if err := l.resetRoots(n); err != nil {
			return err
		}
		for _, c := range []string{"first", "no-op"} {
			fn := func(ctx context.Context) (sample, error) {
				switch tool {
				case "converge":
					return b.converge(ctx, n)
				case "ansible":
					return b.ansible(ctx, n, false)
				default:
					return b.ansible(ctx, n, true)
				}
			}
			s, err := measure(tool, n, c, fn)
			if err != nil {
				return err
			}
			if err := b.verify(n); err != nil {
				return fmt.Errorf("%s, %d hosts, %s: the hosts do not hold workload W: %w", tool, n, c, err)
			}
			if err := checkReport(tool, n, c, s.Out); err != nil {
				return fmt.Errorf("%s, %d hosts, %s: %w\n%s", tool, n, c, err, tail(s.Out, 3000))
			}
		}
		return nil
	}

	fmt.Fprintf(os.Stderr, "converge-bench: %d hosts on %s… port %d (%d sshd), %d runs each\n", maxN, hostAddr(1), o.port, len(l.sshds), o.runs)
	for _, n := range o.ns {
		for r := 0; r < o.runs; r++ {
			if _, err := measure("floor", n, "ssh true", func(ctx context.Context) (sample, error) { return b.floor(ctx, n) }); err != nil {
				return err
			}
		}
		// Tools take turns within a run, so that a slow minute of the
		// machine does not land on one tool only.
		for r := 0; r < o.runs; r++ {
			for _, t := range o.tools {
				if err := runTool(t, n); err != nil {
					return err
				}
			}
		}
	}
	if o.scale {
		n := o.scaleN
		for r := 0; r < o.runs; r++ {
			if _, err := measure("floor", n, "ssh true", func(ctx context.Context) (sample, error) { return b.floor(ctx, n) }); err != nil {
				return err
			}
		}
		for r := 0; r < o.runs; r++ {
			if err := runTool("converge", n); err != nil {
				return err
			}
		}
	}
	res.print(os.Stdout, append(o.ns, scaleNs(o)...))
	return nil
}

func scaleNs(o options) []int {
	if o.scale && !slices.Contains(o.ns, o.scaleN) {
		return []int{o.scaleN}
	}
	return nil
}

// checkReport reads the tool's own report: the no-op run must change
// nothing, and no host may fail.
func checkReport(tool string, n int, c string, out []byte) error {
	if tool == "converge" {
		ends, updated := 0, 0
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var e struct {
				Type, Status string
				Updated      int
			}
			if json.Unmarshal(sc.Bytes(), &e) != nil || e.Type != "node-end" {
				continue
			}
			ends++
			updated += e.Updated
			if e.Status == "failed" {
				return errors.New("a node failed")
			}
		}
		if ends != n {
			return fmt.Errorf("converge reported %d nodes, want %d", ends, n)
		}
		if c == "no-op" && updated != 0 {
			return fmt.Errorf("converge updated %d resources on a no-op run", updated)
		}
		if c == "first" && updated != n*81 {
			return fmt.Errorf("converge updated %d resources on a first run, want %d", updated, n*81)
		}
		return nil
	}
	recap := regexp.MustCompile(`(?m)^(host\d+)\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)`)
	m := recap.FindAllStringSubmatch(string(out), -1)
	if len(m) != n {
		return fmt.Errorf("ansible's recap lists %d hosts, want %d", len(m), n)
	}
	for _, r := range m {
		if r[3] != "0" || r[4] != "0" {
			return fmt.Errorf("%s: unreachable=%s failed=%s", r[1], r[3], r[4])
		}
		if c == "no-op" && r[2] != "0" {
			return fmt.Errorf("%s: changed=%s on a no-op run", r[1], r[2])
		}
	}
	return nil
}

// roundTrips is the mean number of round trips per node converge
// reported in its node-end events (the sum of round_trips), -1 when it
// reported none.
func roundTrips(out []byte) float64 {
	total, nodes := 0, 0
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e struct {
			Type       string
			RoundTrips json.RawMessage `json:"round_trips"`
		}
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Type != "node-end" || len(e.RoundTrips) == 0 {
			continue
		}
		var byKind map[string]int
		var n int
		switch {
		case json.Unmarshal(e.RoundTrips, &byKind) == nil:
			for _, v := range byKind {
				total += v
			}
		case json.Unmarshal(e.RoundTrips, &n) == nil:
			total += n
		default:
			continue
		}
		nodes++
	}
	if nodes == 0 {
		return -1
	}
	return float64(total) / float64(nodes)
}

// hold keeps the hosts up for manual runs until Ctrl-C.
func hold(ctx context.Context, b *bench, n int) error {
	inv, err := b.inventory(n)
	if err != nil {
		return err
	}
	fmt.Printf("hosts up: %s … %s port %d\n", b.lab.hosts[0].Addr, b.lab.hosts[n-1].Addr, b.lab.port)
	fmt.Printf("cd %s\n", filepath.Join(b.dir, "work"))
	fmt.Printf("%s -r benchw --cookbook-path %s --known-hosts %s host1\n", b.convergeBin, filepath.Join(b.repo, "testdata/bench/cookbooks"), b.lab.knownHosts)
	fmt.Printf("ssh %s\n", strings.Join(b.sshArgs(b.lab.hosts[0], "true"), " "))
	fmt.Printf("ansible inventory: %s\n", inv)
	fmt.Println("Ctrl-C to stop")
	<-ctx.Done()
	return nil
}

func lookPath(name string) (string, error) {
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", os.ErrNotExist
}

// results gathers samples by tool, host count and case.
type results map[string][]sample

func key(tool string, n int, c string) string { return fmt.Sprintf("%s\x00%d\x00%s", tool, n, c) }

func (r results) add(tool string, n int, c string, s sample) {
	r[key(tool, n, c)] = append(r[key(tool, n, c)], s)
}

func (r results) median(tool string, n int, c string) (time.Duration, bool) {
	ss := r[key(tool, n, c)]
	if len(ss) == 0 {
		return 0, false
	}
	d := make([]time.Duration, len(ss))
	for i, s := range ss {
		d[i] = s.Wall
	}
	slices.Sort(d)
	if len(d)%2 == 1 {
		return d[len(d)/2], true
	}
	return (d[len(d)/2-1] + d[len(d)/2]) / 2, true
}

func (r results) peakRSS(tool string, n int, c string) int64 {
	var m int64
	for _, s := range r[key(tool, n, c)] {
		m = max(m, s.MaxRSS)
	}
	return m
}

// print writes the table: tool, N, case, median, ratio to converge, ratio
// to the floor, host-seconds per host (the median times the hosts' share
// of the machine's cores: at N=10 on 2 cores a host has a fifth of the
// machine), processes started per host (machine-wide, the hosts being
// local), round trips per host (converge's report), converge's peak RSS.
func (r results) print(w io.Writer, ns []int) {
	cores := runtime.NumCPU()
	row := func(tool string, n int, c string, m time.Duration, ratio, fr, rss string) {
		share := float64(min(n, cores)) / float64(n)
		procs, rt := "", ""
		if p := r.medianForks(tool, n, c); p >= 0 {
			procs = fmt.Sprintf("%d", p/int64(n))
		}
		if tool == "converge" {
			if v := r.medianRoundTrips(tool, n, c); v >= 0 {
				rt = fmt.Sprintf("%.1f", v)
			}
		}
		fmt.Fprintf(w, "%-9s %4d  %-8s %9.3fs %11s %9s %9.3fs %9s %7s %13s %5d\n", tool, n, c, m.Seconds(), ratio, fr, m.Seconds()*share, procs, rt, rss, len(r[key(tool, n, c)]))
	}
	fmt.Fprintf(w, "\n%-9s %4s  %-8s %10s %11s %9s %10s %9s %7s %13s %5s\n", "tool", "N", "case", "median", "/converge", "/floor", "host-s/h", "procs/h", "rt/h", "converge RSS", "runs")
	for _, n := range ns {
		floor, hasFloor := r.median("floor", n, "ssh true")
		if hasFloor {
			row("floor", n, "ssh true", floor, "", "1.0x", "")
		}
		for _, c := range []string{"first", "no-op"} {
			cv, hasCV := r.median("converge", n, c)
			for _, t := range []string{"converge", "ansible", "mitogen"} {
				m, ok := r.median(t, n, c)
				if !ok {
					continue
				}
				ratio, fr, rss := "", "", ""
				if hasCV {
					ratio = fmt.Sprintf("%.1fx", m.Seconds()/cv.Seconds())
				}
				if hasFloor {
					fr = fmt.Sprintf("%.1fx", m.Seconds()/floor.Seconds())
				}
				if t == "converge" {
					rss = fmt.Sprintf("%.1f MB", float64(r.peakRSS(t, n, c))/1024)
				}
				row(t, n, c, m, ratio, fr, rss)
			}
		}
	}
}

// medianForks is the median of the runs' process counts, -1 if unknown.
func (r results) medianForks(tool string, n int, c string) int64 {
	var v []int64
	for _, s := range r[key(tool, n, c)] {
		if s.Forks >= 0 {
			v = append(v, s.Forks)
		}
	}
	if len(v) == 0 {
		return -1
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// medianRoundTrips is the median of converge's round trips per host, -1
// if it reported none.
func (r results) medianRoundTrips(tool string, n int, c string) float64 {
	var v []float64
	for _, s := range r[key(tool, n, c)] {
		if rt := roundTrips(s.Out); rt >= 0 {
			v = append(v, rt)
		}
	}
	if len(v) == 0 {
		return -1
	}
	slices.Sort(v)
	return v[len(v)/2]
}
