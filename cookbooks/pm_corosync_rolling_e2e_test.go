package cookbooks_test

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/converge-cm/converge/cmd/converge/cli"
	"github.com/converge-cm/converge/engine/lab"
)

// convergeCode is cluster.converge that returns the exit status instead of
// failing the test on a non-zero one.
func (c *cluster) convergeCode(runList string, extra ...string) (string, string, int) {
	c.t.Helper()
	var out, errb bytes.Buffer
	args := append([]string{"-r", runList, "-a", "vip_ipaddr=" + c.vip, "-a", "vip_netmask=24", "-a", "network_addr=" + c.net}, extra...)
	code := cli.Main(args, &out, &errb)
	c.t.Logf("converge %s (exit %d):\n%s%s", strings.Join(args, " "), code, tail(out.String(), 80), errb.String())
	return out.String(), errb.String(), code
}

// vipPoller starts a GET of http://VIP/ every 0.2 s until stopped, each
// on its own (a slow answer does not delay the next one), and counts the
// requests that failed or took over 2 s. Each request stands for the 0.2 s
// slot it started in, so failed is the time during which a new request
// would have failed, whatever the machine's load does to the latency of
// the ones that succeed.
type vipPoller struct {
	stop     chan struct{}
	done     chan struct{}
	mu       sync.Mutex
	requests int
	failed   time.Duration
	failures []string // when, and why
}

const pollEvery = 200 * time.Millisecond

func pollVIP(url string) *vipPoller {
	p := &vipPoller{stop: make(chan struct{}), done: make(chan struct{})}
	cl := http.Client{Timeout: 2 * time.Second}
	go func() {
		defer close(p.done)
		var wg sync.WaitGroup
		defer wg.Wait()
		start := time.Now()
		tick := time.NewTicker(pollEvery)
		defer tick.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
			wg.Add(1)
			go func(t0 time.Time) {
				defer wg.Done()
				resp, err := cl.Get(url)
				ok := err == nil && resp.StatusCode == 200
				if resp != nil {
					resp.Body.Close()
				}
				p.mu.Lock()
				defer p.mu.Unlock()
				p.requests++
				if !ok {
					p.failed += pollEvery
					why := fmt.Sprint(err)
					if err == nil {
						why = resp.Status
					}
					p.failures = append(p.failures, fmt.Sprintf("%.1fs: %s", t0.Sub(start).Seconds(), why))
				}
			}(time.Now())
		}
	}()
	return p
}

func (p *vipPoller) end() (requests int, failed time.Duration, failures []string) {
	close(p.stop)
	<-p.done
	return p.requests, p.failed, p.failures
}

// onlineSampler asks every node for crm_mon -1 about once a second and
// records, per sample, how many nodes the best-informed quorate partition
// lists as online (a node that is restarting answers nothing, or for a
// moment sees itself alone: the largest quorate view is the cluster's).
type onlineSampler struct {
	stop    chan struct{}
	done    chan struct{}
	samples []int
	lowest  string // crm_mon of the lowest sample
}

var onlineRe = regexp.MustCompile(`Online: \[ ([^\]]*) \]`)

func sampleOnline(c *cluster, nodes ...string) *onlineSampler {
	s := &onlineSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		low := 1 << 30
		for {
			select {
			case <-s.stop:
				return
			default:
			}
			best, bestOut := 0, ""
			var mu sync.Mutex
			var wg sync.WaitGroup
			for _, n := range nodes {
				wg.Add(1)
				go func(n string) {
					defer wg.Done()
					out, err := c.sshErr(n, "crm_mon -1")
					if err != nil || !strings.Contains(out, "partition with quorum") {
						return
					}
					m := onlineRe.FindStringSubmatch(out)
					if m == nil {
						return
					}
					mu.Lock()
					if k := len(strings.Fields(m[1])); k > best {
						best, bestOut = k, out
					}
					mu.Unlock()
				}(n)
			}
			wg.Wait()
			s.samples = append(s.samples, best)
			if best < low {
				low, s.lowest = best, bestOut
			}
			time.Sleep(time.Second)
		}
	}()
	return s
}

func (s *onlineSampler) end() ([]int, string) {
	close(s.stop)
	<-s.done
	return s.samples, s.lowest
}

// TestPmCorosync_RollingConvergeKeepsTheVIPServing: a rolling converge
// (--serial 1) of a 3-node crm cluster, of a change that restarts corosync
// on every node (corosync.token), keeps the VIP serving: each node is put
// in standby before it restarts and brought online after, so an HTTP
// poller on the VIP sees at most 5 s of failed requests and crm_mon never
// fewer than 2 nodes online. A no-op rolling run runs no hook. With one
// node made to fail, --max-fail 0 stops the roll after it and leaves the
// others untouched.
func TestPmCorosync_RollingConvergeKeepsTheVIPServing(t *testing.T) {
	nodes := []string{"pmr1", "pmr2", "pmr3"}
	c := newCluster(t, 87, lab.ImageDebian12, nodes...)
	rl := "pm_corosync,pm_corosync::crm,pm_corosync::web"
	// Apache cloned on every node: only the VIP moves (web.clone).
	args := func(a ...string) []string { return append([]string{"-a", "web.clone=true"}, a...) }
	c.converge(rl, args(nodes...)...)
	c.assertClusterServes(nodes...)
	var holder string
	if !waitFor(60*time.Second, func() bool { holder = c.vipHolder(); return holder != "" }) {
		t.Fatalf("Apache does not answer on the VIP %s", c.vip)
	}
	t.Logf("Apache answers on %s from %s", c.vip, holder)

	pids := func(n string) string { return strings.TrimSpace(c.ssh(n, "pidof corosync")) }
	before := map[string]string{}
	for _, n := range nodes {
		before[n] = pids(n)
	}

	// Nothing to change: a rolling run runs no hook and restarts nothing.
	out := c.converge(rl, args(append([]string{"--serial", "1"}, nodes...)...)...)
	for n, u := range updated(t, out) {
		if u != "0" {
			t.Errorf("a no-op rolling run updated %s resources on %s: %v", u, n, changedResources(out))
		}
	}
	if strings.Contains(out, "rolling_hook[") {
		t.Errorf("a no-op rolling run ran hooks:\n%s", out)
	}

	// The roll: the nodes that do not hold the VIP first, its holder last,
	// so that the VIP moves once (as an operator orders a roll).
	var order []string
	for _, n := range nodes {
		if n != holder {
			order = append(order, n)
		}
	}
	order = append(order, holder)
	poll := pollVIP("http://" + c.vip + "/")
	sampler := sampleOnline(c, nodes...)
	start := time.Now()
	out = c.converge(rl, args(append([]string{"--serial", "1", "-a", "corosync.token=5000"}, order...)...)...)
	took := time.Since(start)
	time.Sleep(2 * time.Second)
	requests, failed, failures := poll.end()
	samples, lowest := sampler.end()
	low := 1 << 30
	for _, s := range samples {
		low = min(low, s)
	}
	fmt.Printf("pm_corosync rolling converge of 3 nodes (%s) in %.0f s: %d HTTP requests to the VIP, %.1f s failed %v; crm_mon online counts %v\n",
		strings.Join(order, ", "), took.Seconds(), requests, failed.Seconds(), failures, samples)
	if failed > 5*time.Second {
		t.Errorf("the VIP failed requests for %.1f s in total during the roll, want ≤ 5 s: %v", failed.Seconds(), failures)
	}
	if len(samples) < 10 || low < 2 {
		t.Errorf("crm_mon samples %v: want ≥ 2 nodes online in every sample (of at least 10); the lowest:\n%s", samples, lowest)
	}
	for i, n := range order {
		if !strings.Contains(out, fmt.Sprintf("Batch %d of 3: %s\n", i+1, n)) {
			t.Errorf("no batch %d of %s in the output", i+1, n)
		}
		if got := pids(n); got == before[n] {
			t.Errorf("%s: corosync was not restarted (pid %s)", n, got)
		}
		if conf := c.ssh(n, "cat /etc/corosync/corosync.conf"); !strings.Contains(conf, "token: 5000") {
			t.Errorf("%s: corosync.conf has no token: 5000:\n%s", n, conf)
		}
	}
	if k := strings.Count(out, "rolling_hook[before] action run"); k != 3 || strings.Count(out, "rolling_hook[after] action run") != 3 {
		t.Errorf("want each node's before and after hook run once, got %d before hooks", k)
	}
	if !strings.Contains(out, "is in standby; no resource runs on it") || !strings.Contains(out, "is online") {
		t.Errorf("the hooks did not report standby and online:\n%s", out)
	}
	c.assertClusterServes(nodes...)

	// One node fails: pmr2's corosync.conf is a directory, so its template
	// cannot be written. pmr2 goes first; with --max-fail 0 the roll stops
	// after it and pmr1 and pmr3 are not touched.
	c.ssh("pmr2", "mv /etc/corosync/corosync.conf /root/corosync.conf.saved && mkdir /etc/corosync/corosync.conf")
	restore := func() {
		c.ssh("pmr2", "[ -d /etc/corosync/corosync.conf ] && rmdir /etc/corosync/corosync.conf && mv /root/corosync.conf.saved /etc/corosync/corosync.conf || true")
	}
	defer restore()
	for _, n := range nodes {
		before[n] = pids(n) + " " + c.ssh(n, "sha256sum /etc/corosync/corosync.conf 2>/dev/null || true")
	}
	out, stderr, code := c.convergeCode(rl, args("--serial", "1", "--max-fail", "0", "-a", "corosync.token=4000", "pmr2", "pmr1", "pmr3")...)
	if code != 1 {
		t.Errorf("a roll with a failed node exited %d, want 1", code)
	}
	if !strings.Contains(out, "Node pmr2 FAILED") {
		t.Errorf("pmr2 did not fail:\n%s", tail(out, 40))
	}
	for _, n := range []string{"pmr1", "pmr3"} {
		if !strings.Contains(out, "Node "+n+": skipped (the roll stopped after 1 failure)\n") {
			t.Errorf("%s is not reported skipped:\n%s", n, tail(out, 20))
		}
		if got := pids(n) + " " + c.ssh(n, "sha256sum /etc/corosync/corosync.conf"); got != before[n] {
			t.Errorf("%s was touched by a stopped roll: %q → %q", n, before[n], got)
		}
	}
	if !strings.Contains(out, "3 nodes, 1 failed, 2 skipped") || !strings.Contains(stderr, "the roll stopped after 1 failure") {
		t.Errorf("summary:\n%s\n%s", tail(out, 8), stderr)
	}
	// pmr2 failed between its hooks: its after hook brought it back online.
	if !strings.Contains(out, "rolling_hook[after] action run") {
		t.Errorf("pmr2's after hook did not run after its failure:\n%s", out)
	}
	restore()
	c.assertClusterServes(nodes...)
}
