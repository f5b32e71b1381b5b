package resources_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/go-multierror"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/engine/transport"
)

// debian12 and centos7 are the nodes the kind tests compile for.
func debian12() facts.Facts {
	return facts.Facts{Hostname: "web1", FQDN: "web1.example.com", IPAddress: "10.0.0.21",
		Platform: "debian", PlatformVersion: "12.5", PlatformFamily: "debian",
		Init: "systemd", Kernel: "6.1.0", Machine: "x86_64", CPUCount: 2, MemoryMB: 2048}
}

func centos7() facts.Facts {
	return facts.Facts{Hostname: "db1", FQDN: "db1.example.com", IPAddress: "10.0.0.11",
		Platform: "centos", PlatformVersion: "7.1.1503", PlatformFamily: "rhel",
		Init: "systemd", Kernel: "3.10.0", Machine: "x86_64", CPUCount: 2, MemoryMB: 2048}
}

// compile compiles src as the default recipe of cookbook t
// (cookbooks/t/recipes/default.star) for a node with facts f.
func compile(t *testing.T, src string, f facts.Facts) (*engine.Collection, error) {
	t.Helper()
	return compileWith(t, src, nil, f)
}

// compileWith is compile with more files in cookbook t, by path under
// it ("templates/default/x.tmpl").
func compileWith(t *testing.T, src string, files map[string]string, f facts.Facts) (*engine.Collection, error) {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{"t/metadata.star": `name = "t"`, "t/recipes/default.star": src}
	for name, body := range files {
		all["t/"+name] = body
	}
	for name, body := range all {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	repo, err := recipe.LoadRepo([]string{dir})
	if err != nil {
		t.Fatalf("LoadRepo: %v", err)
	}
	return repo.Compile(recipe.Input{Name: f.Hostname, Facts: f, RunList: []string{"t"}})
}

// compileOne compiles src, which declares one resource, and returns it.
func compileOne(t *testing.T, src string, f facts.Facts) engine.Resource {
	t.Helper()
	return compileOneWith(t, src, nil, f)
}

// compileOneWith is compileOne with more files in cookbook t.
func compileOneWith(t *testing.T, src string, files map[string]string, f facts.Facts) engine.Resource {
	t.Helper()
	c, err := compileWith(t, src, files, f)
	if err != nil {
		t.Fatalf("compile:\n%s\nerror: %v", src, err)
	}
	if len(c.Resources) != 1 {
		t.Fatalf("compiled %d resources, want 1", len(c.Resources))
	}
	return c.Resources[0]
}

// badInput is a recipe that must not compile: its error names
// recipes/default.star:LINE and matches re.
type badInput struct {
	name, src string
	line      int
	re        string
}

func runBadInputs(t *testing.T, cases []badInput) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := compile(t, c.src, debian12())
			if err == nil {
				t.Fatalf("compiled:\n%s\nwant an error matching %s", c.src, c.re)
			}
			errs := flatten(err)
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1: %v", len(errs), err)
			}
			at := regexp.MustCompile(`recipes/default\.star:` + itoa(c.line) + `(:\d+)?: `)
			if !at.MatchString(errs[0].Error()) || !regexp.MustCompile(c.re).MatchString(errs[0].Error()) {
				t.Errorf("error:\n%v\nwant one at default.star:%d matching %s", errs[0], c.line, c.re)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func flatten(err error) []error {
	var me *multierror.Error
	if errors.As(err, &me) {
		var out []error
		for _, e := range me.Errors {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// kindCase is one row of a kind's table: a recipe declaring one resource,
// the node's state as its probes answer (shell probes and stat probes, in
// the order Probes lists them), and the Changes and Commands Check plans.
type kindCase struct {
	name     string
	src      string
	facts    facts.Facts // debian12 when unset
	action   string      // the resource's first action when ""
	shell    []engine.ShellResult
	stat     []engine.FileState
	changes  []string // nil: up to date
	commands []string
	// content, when set, is the new content Check plans to write.
	content string
	// files are more files of cookbook t (templates, cookbook files).
	files map[string]string
	// applied, when set, is what Apply runs where it is not Commands
	// itself: the password hash the plan hides, the run's time limit
	// around a command.
	applied []string
	// puts are the paths Apply writes through the transport.
	puts []string
}

// runKindCases checks each case's Diff and then applies it through a
// recording transport: Apply must run exactly the commands Check planned.
func runKindCases(t *testing.T, cases []kindCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := c.facts
			if f.Platform == "" {
				f = debian12()
			}
			r := compileOneWith(t, c.src, c.files, f)
			p := engine.NewProbed()
			si, fi := 0, 0
			for _, pr := range r.Probes() {
				switch pr.Kind {
				case engine.ProbeShell:
					if si < len(c.shell) {
						p.SetShell(pr.Arg, c.shell[si])
					}
					si++
				case engine.ProbeStat:
					if fi < len(c.stat) {
						p.SetStat(pr.Arg, c.stat[fi])
					}
					fi++
				}
			}
			action := c.action
			if action == "" {
				action = r.Base().Actions[0]
			}
			d, err := r.Check(action, p)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if !reflect.DeepEqual(d.Changes, c.changes) {
				t.Errorf("changes:\n  %q\nwant:\n  %q", d.Changes, c.changes)
			}
			if !reflect.DeepEqual(d.Commands, c.commands) {
				t.Errorf("commands:\n  %q\nwant:\n  %q", d.Commands, c.commands)
			}
			if c.content != "" {
				if d.Content == nil {
					t.Fatalf("no content planned, want:\n%s", c.content)
				}
				if string(d.Content.New) != c.content {
					t.Errorf("content:\n%s\nwant:\n%s", d.Content.New, c.content)
				}
			}
			if d.Empty() {
				return
			}
			rec := &recorder{}
			if err := r.Apply(context.Background(), action, d, &engine.Host{T: rec}); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			want := d.Commands
			if c.applied != nil {
				want = c.applied
			}
			// Plans show a pinned command without the pin function's body.
			var ran []string
			for _, c := range rec.cmds {
				ran = append(ran, transport.ShowPinned(c))
			}
			if (len(want) > 0 || c.puts != nil) && !reflect.DeepEqual(ran, want) {
				t.Errorf("Apply ran:\n  %q\nCheck planned:\n  %q", ran, want)
			}
			if c.puts != nil && !reflect.DeepEqual(rec.puts, c.puts) {
				t.Errorf("Apply wrote %q, want %q", rec.puts, c.puts)
			}
		})
	}
}

// recorder is a transport that records what it is asked to run (a script
// sent through transport.RunScript is recorded as the script) and
// succeeds.
type recorder struct {
	cmds   []string
	stdins []string
	puts   []string
	opts   []transport.PutOptions // of each put
}

func (r *recorder) Run(_ context.Context, cmd string, stdin io.Reader) (transport.Result, error) {
	var in string
	if stdin != nil {
		b, _ := io.ReadAll(stdin)
		in = string(b)
	}
	if strings.HasPrefix(cmd, "umask 077; f=$(mktemp") {
		cmd, in = in, ""
	}
	r.cmds = append(r.cmds, cmd)
	r.stdins = append(r.stdins, in)
	return transport.Result{}, nil
}

func (r *recorder) Put(_ context.Context, path string, _ []byte, o transport.PutOptions) error {
	r.puts = append(r.puts, path)
	r.opts = append(r.opts, o)
	return nil
}

func (r *recorder) Get(context.Context, string) ([]byte, error) { return nil, nil }
func (r *recorder) Close() error                                { return nil }

// starQuote is s as a Starlark string literal.
func starQuote(s string) string { return strconv.Quote(s) }
