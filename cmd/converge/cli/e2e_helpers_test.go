package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
)

// repoPath returns a path inside the repository, for tests that chdir.
func repoPath(t *testing.T, rel string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	p, err := filepath.Abs(filepath.Join(filepath.Dir(file), "..", "..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type runResult struct {
	code   int
	stdout string
	stderr string
}

// converge runs the CLI in-process.
func converge(t *testing.T, args ...string) runResult {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return runResult{code: code, stdout: out.String(), stderr: errb.String()}
}

// events parses --format json output.
func events(t *testing.T, out string) []engine.Event {
	t.Helper()
	var evs []engine.Event
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, `"type":"summary"`) {
			continue
		}
		var e engine.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("bad JSON event %q: %v", line, err)
		}
		evs = append(evs, e)
	}
	return evs
}

// updatedBy counts, per node, the resources updated (node-end events).
func updatedBy(evs []engine.Event) map[string]int {
	m := map[string]int{}
	for _, e := range evs {
		if e.Type == "node-end" && e.Status != engine.StatusFailed {
			m[e.Node] = e.Updated
		}
	}
	return m
}

// mtimes records the modification time of every path under root.
func mtimes(t *testing.T, root string) map[string]int64 {
	t.Helper()
	m := map[string]int64{}
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		m[p] = st.ModTime().UnixNano()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
