package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// sample is one timed run of a tool.
type sample struct {
	Wall   time.Duration
	MaxRSS int64 // KiB: the child's peak resident set (wait4's ru_maxrss)
	Out    []byte
	// Forks is how many processes the whole machine started during the
	// run (/proc/stat's processes): the control side and, the hosts being
	// local, every node-side process too. -1 when unknown.
	Forks int64
}

// forks reads the machine's count of processes started since boot.
func forks() int64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "processes "); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// bench holds what every tool run needs.
type bench struct {
	lab          *lab
	dir          string
	repo         string
	convergeBin  string
	convergeArgs []string
	runTimeout   time.Duration
}

// run runs cmd to its end, timing it from start to exit, and returns its
// combined output. A non-zero exit is an error that quotes the output.
func (b *bench) run(ctx context.Context, cmd *exec.Cmd) (sample, error) {
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	f0 := forks()
	start := time.Now()
	if err := procs.start(cmd); err != nil {
		return sample{}, err
	}
	done := make(chan error, 1)
	go func() { done <- procs.wait(cmd) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		procs.stop(cmd)
		<-done
		return sample{}, ctx.Err()
	}
	s := sample{Wall: time.Since(start), Out: out.Bytes(), Forks: -1}
	if f1 := forks(); f0 >= 0 && f1 >= f0 {
		s.Forks = f1 - f0
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.MaxRSS = ru.Maxrss
	}
	if err != nil {
		return s, fmt.Errorf("%s: %v\n%s", filepath.Base(cmd.Path), err, tail(s.Out, 3000))
	}
	return s, nil
}

// env is the environment of the tools: this one without an SSH agent, so
// that only the benchmark's key is offered.
func env(extra ...string) []string {
	var out []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "SSH_AUTH_SOCK=") {
			out = append(out, e)
		}
	}
	return append(out, extra...)
}

// writeInventories writes nodes/hostN.json for converge and an Ansible
// inventory of the first n hosts.
func (b *bench) writeNodes() error {
	if err := os.MkdirAll(filepath.Join(b.dir, "work", "nodes"), 0o755); err != nil {
		return err
	}
	for _, h := range b.lab.hosts {
		j := fmt.Sprintf(`{"name": %q, "converge": {"host": %q, "port": %d, "user": "root", "identity": %q}, "root": %q}`+"\n",
			h.Name, h.Addr, b.lab.port, b.lab.clientKey, h.Root)
		if err := os.WriteFile(filepath.Join(b.dir, "work", "nodes", h.Name+".json"), []byte(j), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) inventory(n int) (string, error) {
	p := filepath.Join(b.dir, "work", fmt.Sprintf("inventory-%d.ini", n))
	var s strings.Builder
	s.WriteString("[bench]\n")
	for _, h := range b.lab.hosts[:n] {
		fmt.Fprintf(&s, "%s ansible_host=%s ansible_port=%d root=%s\n", h.Name, h.Addr, b.lab.port, h.Root)
	}
	s.WriteString("\n[bench:vars]\nansible_user=root\n")
	fmt.Fprintf(&s, "ansible_ssh_private_key_file=%s\n", b.lab.clientKey)
	fmt.Fprintf(&s, "ansible_ssh_common_args='-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'\n", b.lab.knownHosts)
	s.WriteString("ansible_python_interpreter=/usr/bin/python3\n")
	return p, os.WriteFile(p, []byte(s.String()), 0o644)
}

// converge runs workload W with converge on the first n hosts.
func (b *bench) converge(ctx context.Context, n int) (sample, error) {
	args := []string{"-r", "benchw",
		"--cookbook-path", filepath.Join(b.repo, "testdata", "bench", "cookbooks"),
		"--known-hosts", b.lab.knownHosts,
		"-c", strconv.Itoa(n), "--format", "json"}
	args = append(args, b.convergeArgs...)
	for _, h := range b.lab.hosts[:n] {
		args = append(args, h.Name)
	}
	cmd := exec.Command(b.convergeBin, args...)
	cmd.Dir = filepath.Join(b.dir, "work")
	cmd.Env = env()
	return b.run(ctx, cmd)
}

// ansible runs workload W with ansible-playbook, forks = n; mitogen selects
// the Mitogen strategy. Every run starts without SSH control masters and
// leaves none behind.
func (b *bench) ansible(ctx context.Context, n int, mitogen bool) (sample, error) {
	inv, err := b.inventory(n)
	if err != nil {
		return sample{}, err
	}
	cp := filepath.Join(b.dir, "cp")
	defer b.endControlMasters()
	if err := os.MkdirAll(cp, 0o700); err != nil {
		return sample{}, err
	}
	cmd := exec.Command("ansible-playbook", "-i", inv, filepath.Join(b.repo, "testdata", "bench", "ansible", "benchw.yml"))
	cmd.Dir = filepath.Join(b.dir, "work")
	extra := []string{
		"ANSIBLE_CONFIG=" + filepath.Join(b.repo, "testdata", "bench", "ansible", "ansible.cfg"),
		"ANSIBLE_FORKS=" + strconv.Itoa(n),
		"ANSIBLE_SSH_CONTROL_PATH_DIR=" + cp,
		"ANSIBLE_LOCAL_TEMP=" + filepath.Join(b.dir, "ansible-tmp"),
		"ANSIBLE_HOME=" + filepath.Join(b.dir, "ansible-home"),
	}
	if mitogen {
		extra = append(extra, "ANSIBLE_STRATEGY=mitogen_linear")
	}
	cmd.Env = env(extra...)
	return b.run(ctx, cmd)
}

// endControlMasters ends the ssh ControlPersist masters of the last
// Ansible run: they outlive it by design, and would make the next run warm.
func (b *bench) endControlMasters() {
	for _, pid := range pidsMentioning(filepath.Join(b.dir, "cp")) {
		killPid(pid)
	}
}

// floor runs `ssh root@HOST true` on the first n hosts in parallel and
// times the whole.
func (b *bench) floor(ctx context.Context, n int) (sample, error) {
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, h := range b.lab.hosts[:n] {
		wg.Add(1)
		go func(i int, h host) {
			defer wg.Done()
			cmd := exec.Command("ssh", b.sshArgs(h, "true")...)
			cmd.Env = env()
			_, errs[i] = b.run(ctx, cmd)
		}(i, h)
	}
	wg.Wait()
	s := sample{Wall: time.Since(start), Forks: -1}
	return s, errors.Join(errs...)
}

// sshArgs is OpenSSH's command line to run cmd on h, with nothing from
// ~/.ssh/config and no connection sharing.
func (b *bench) sshArgs(h host, cmd string) []string {
	return []string{"-F", "/dev/null", "-i", b.lab.clientKey, "-p", strconv.Itoa(b.lab.port),
		"-o", "UserKnownHostsFile=" + b.lab.knownHosts, "-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
		"-o", "ControlMaster=no", "-o", "ControlPath=none",
		"root@" + h.Addr, cmd}
}

// verify checks that the first n hosts hold exactly workload W's result
// and that the handler ran once in total (one first run, then no-ops).
func (b *bench) verify(n int) error {
	var errs []error
	for _, h := range b.lab.hosts[:n] {
		for k := 1; k <= 50; k++ {
			p := filepath.Join(h.Root, fmt.Sprintf("d%02d", (k-1)/5+1), fmt.Sprintf("f%02d.conf", k))
			got, err := os.ReadFile(p)
			if err != nil {
				errs = append(errs, err)
				break
			}
			if want := expectedFile(h.Name, k); string(got) != want {
				errs = append(errs, fmt.Errorf("%s: got %q, want %q", p, got, want))
				break
			}
			if st, err := os.Stat(p); err == nil && st.Mode().Perm() != 0o644 {
				errs = append(errs, fmt.Errorf("%s: mode %o, want 0644", p, st.Mode().Perm()))
				break
			}
		}
		for i := 1; i <= 20; i++ {
			p := filepath.Join(h.Root, "state", fmt.Sprintf("c%02d.done", i))
			if got, err := os.ReadFile(p); err != nil || string(got) != strconv.Itoa(i)+"\n" {
				errs = append(errs, fmt.Errorf("%s: %q %v", p, got, err))
				break
			}
		}
		log, err := os.ReadFile(filepath.Join(h.Root, "handler.log"))
		if lines := strings.Count(string(log), "\n"); err != nil || lines != 1 {
			errs = append(errs, fmt.Errorf("%s: handler ran %d times, want 1 (%v)", h.Name, lines, err))
		}
	}
	return errors.Join(errs...)
}

// expectedFile is what both tools' templates render for file k of host.
func expectedFile(hostName string, k int) string {
	return fmt.Sprintf("# managed by converge: benchmark workload W\napp_name = benchw\nhost_label = %s\nfile_index = %d\nslot = benchw-%03d\n", hostName, k, k)
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
