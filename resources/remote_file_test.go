package resources_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/resources"
)

// fileServer serves body at /f with an ETag, answers conditional
// requests, and counts full and conditional GETs.
type fileServer struct {
	mu          sync.Mutex
	body, etag  string
	full, cond  int
	lastHeaders http.Header
}

func (s *fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastHeaders = r.Header.Clone()
	if r.URL.Path != "/f" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("ETag", s.etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		s.cond++
		if inm == s.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	} else {
		s.full++
	}
	_, _ = w.Write([]byte(s.body))
}

func (s *fileServer) counts() (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.full, s.cond
}

func TestRemoteFile_ControlMachineFetch(t *testing.T) {
	fs := &fileServer{body: "v1\n", etag: `"e1"`}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	src := `remote_file("/srv/x", source="` + srv.URL + `/f", mode="0640", headers={"Authorization": "Bearer s3cret"})`
	have := func(data string) engine.FileState {
		return engine.FileState{Exists: true, Type: "file", Mode: "0640", Owner: "root", Group: "root", SHA256: sha256hex(data)}
	}
	meta := func(data, etag string) engine.ShellResult {
		return engine.ShellResult{Stdout: "sha256=" + sha256hex(data) + "\netag=" + etag + "\nlast_modified=\n"}
	}
	mkdir := []string{"mkdir -p -- /var/lib/converge/remote_file"}
	runKindCases(t, []kindCase{
		{name: "new file: full GET, written, recorded", src: src, stat: []engine.FileState{{}}, shell: []engine.ShellResult{{ExitCode: 1}},
			changes: []string{"create new file /srv/x (download " + srv.URL + "/f)"}, commands: mkdir, content: "v1\n"},
	})
	if full, cond := fs.counts(); full != 1 || cond != 0 {
		t.Errorf("first fetch: %d full and %d conditional GETs, want 1 and 0", full, cond)
	}
	if got := fs.lastHeaders.Get("Authorization"); got != "Bearer s3cret" {
		t.Errorf("the server got Authorization %q", got)
	}
	runKindCases(t, []kindCase{
		{name: "recorded ETag still holds: conditional GET, 304, no change", src: src, stat: []engine.FileState{have("v1\n")}, shell: []engine.ShellResult{meta("v1\n", `"e1"`)}},
		{name: "mode drift only", src: src, stat: []engine.FileState{{Exists: true, Type: "file", Mode: "0644", SHA256: sha256hex("v1\n")}}, shell: []engine.ShellResult{meta("v1\n", `"e1"`)},
			changes: []string{"change mode from 0644 to 0640"}, commands: []string{resources.FixCmd("", "", "0640", "/srv/x")}},
	})
	if full, cond := fs.counts(); full != 1 || cond != 2 {
		t.Errorf("unchanged: %d full and %d conditional GETs, want 1 and 2", full, cond)
	}
	fs.mu.Lock()
	fs.body, fs.etag = "v2\n", `"e2"`
	fs.mu.Unlock()
	runKindCases(t, []kindCase{
		{name: "changed on the server: conditional GET gets the new content", src: src, stat: []engine.FileState{have("v1\n")}, shell: []engine.ShellResult{meta("v1\n", `"e1"`)},
			changes:  []string{"update content of file /srv/x from " + sha256hex("v1\n")[:8] + " to " + sha256hex("v2\n")[:8] + " (download " + srv.URL + "/f)"},
			commands: mkdir, content: "v2\n"},
		{name: "file edited on the node: the record does not apply, full GET", src: src, stat: []engine.FileState{have("local edit")}, shell: []engine.ShellResult{meta("v1\n", `"e2"`)},
			changes:  []string{"update content of file /srv/x from " + sha256hex("local edit")[:8] + " to " + sha256hex("v2\n")[:8] + " (download " + srv.URL + "/f)"},
			commands: mkdir, content: "v2\n"},
		{name: "checksum matches the file: no request", src: `remote_file("/srv/x", source="` + srv.URL + `/f", checksum="` + strings.ToUpper(sha256hex("v1\n")) + `", mode="0640")`,
			stat: []engine.FileState{have("v1\n")}, shell: []engine.ShellResult{{ExitCode: 1}}},
		{name: "delete removes the record too", src: `remote_file("/srv/x", action="delete")`, stat: []engine.FileState{have("v1\n")}, shell: []engine.ShellResult{{ExitCode: 1}},
			changes: []string{"delete file /srv/x"}, commands: []string{"rm -f -- /srv/x /var/lib/converge/remote_file/" + sha256hex("/srv/x")[:32]}},
	})
	if full, cond := fs.counts(); full != 2 || cond != 3 {
		t.Errorf("after the change: %d full and %d conditional GETs, want 2 and 3", full, cond)
	}

	r := compileOne(t, `remote_file("/srv/x", source="`+srv.URL+`/f", checksum="`+sha256hex("other")+`")`, debian12())
	p := engine.NewProbed()
	p.SetStat("/srv/x", engine.FileState{})
	p.SetShell(r.Probes()[1].Arg, engine.ShellResult{ExitCode: 1})
	if _, err := r.Check("create", p); err == nil || !strings.Contains(err.Error(), "not the checksum "+sha256hex("other")) {
		t.Errorf("wrong checksum: err = %v", err)
	}
	r = compileOne(t, `remote_file("/srv/x", source="`+srv.URL+`/missing")`, debian12())
	p.SetShell(r.Probes()[1].Arg, engine.ShellResult{ExitCode: 1})
	if _, err := r.Check("create", p); err == nil || !strings.Contains(err.Error(), "the server answered 404") {
		t.Errorf("404: err = %v", err)
	}
}

func TestRemoteFile_LocalSource(t *testing.T) {
	dir := t.TempDir()
	local := filepath.Join(dir, "app.conf")
	if err := os.WriteFile(local, []byte("local\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	same := engine.FileState{Exists: true, Type: "file", Mode: "0644", SHA256: sha256hex("local\n")}
	runKindCases(t, []kindCase{
		{name: "file URL", src: `remote_file("/etc/app.conf", source="file://` + local + `")`, stat: []engine.FileState{{}}, shell: []engine.ShellResult{{ExitCode: 1}},
			changes: []string{"create new file /etc/app.conf (download file://" + local + ")"}, commands: []string{"mkdir -p -- /var/lib/converge/remote_file"}, content: "local\n"},
		{name: "path on the control machine, same content", src: `remote_file("/etc/app.conf", source="` + local + `")`, stat: []engine.FileState{same}, shell: []engine.ShellResult{{ExitCode: 1}}},
	})
}

func TestRemoteFile_FetchOnNode(t *testing.T) {
	src := `remote_file("/srv/it's $x", source="http://10.0.0.1/a%20b", fetch_on_node=True, owner="www-data", headers={"X-Token": "t0k\"en"})`
	r := compileOne(t, src, debian12())
	ps := r.Probes()
	if len(ps) != 2 || !strings.Contains(ps[1].Arg, "curl -sS -o /dev/null -w '%{http_code}' \"$@\" -K - http://10.0.0.1/a%20b <<'CONVERGE_HEADERS'\nheader = \"X-Token: t0k\\\"en\"\nCONVERGE_HEADERS") ||
		!strings.Contains(ps[1].Arg, `[ -f '/srv/it'\''s $x' ]`) {
		t.Errorf("node probe = %q", ps[1].Arg)
	}
	dl := "set -e; t=$(mktemp \"$(dirname -- '/srv/it'\\''s $x')/.converge-remote.XXXXXX\"); h=$(mktemp); trap 'rm -f \"$t\" \"$h\"' EXIT; " +
		"if command -v curl >/dev/null; then curl -fsSL -D \"$h\" -o \"$t\" -K - http://10.0.0.1/a%20b; else echo 'remote_file headers need curl on the node' >&2; exit 1; fi; " +
		"s=$(sha256sum < \"$t\"); s=${s%% *}; chown -- www-data \"$t\"; chmod 0644 \"$t\"; mv -f -- \"$t\" '/srv/it'\\''s $x'; mkdir -p -- /var/lib/converge/remote_file; " +
		"{ echo \"sha256=$s\"; tr -d '\\r' < \"$h\" | sed -n 's/^[[:space:]]*[Ee][Tt][Aa][Gg]:[[:space:]]*/etag=/p' | tail -n 1; " +
		"tr -d '\\r' < \"$h\" | sed -n 's/^[[:space:]]*[Ll]ast-[Mm]odified:[[:space:]]*/last_modified=/p' | tail -n 1; } > /var/lib/converge/remote_file/" + sha256hex("/srv/it's $x")[:32]
	have := engine.FileState{Exists: true, Type: "file", Mode: "0644", Owner: "www-data", SHA256: sha256hex("x")}
	runKindCases(t, []kindCase{
		{name: "nothing recorded: the node downloads", src: src, stat: []engine.FileState{{}}, shell: []engine.ShellResult{{ExitCode: 2}},
			changes: []string{"create new file /srv/it's $x (download http://10.0.0.1/a%20b)"}, commands: []string{dl}},
		{name: "the server answers 304: up to date", src: src, stat: []engine.FileState{have}, shell: []engine.ShellResult{{Stdout: "304"}}},
		{name: "the server answers 200: download again", src: src, stat: []engine.FileState{have}, shell: []engine.ShellResult{{Stdout: "200"}},
			changes: []string{"update content of file /srv/it's $x (download http://10.0.0.1/a%20b)"}, commands: []string{dl}},
	})
	for _, c := range []string{"t0k", "X-Token"} {
		if strings.Contains(dl, c) {
			t.Errorf("the download command shows the header %q", c)
		}
	}
	withSum := compileOne(t, `remote_file("/srv/y", source="https://h/y", fetch_on_node=True, checksum="`+sha256hex("y")+`")`, debian12())
	p := engine.NewProbed()
	p.SetStat("/srv/y", engine.FileState{Exists: true, Type: "file", Mode: "0644", SHA256: sha256hex("old")})
	p.SetShell(withSum.Probes()[1].Arg, engine.ShellResult{Stdout: "304"})
	d, err := withSum.Check("create", p)
	if err != nil || len(d.Commands) != 1 || !strings.Contains(d.Commands[0], `[ "$s" = `+sha256hex("y")+` ] || { echo "downloaded sha256 $s is not the checksum`) {
		t.Errorf("a file without the checksum is downloaded and checked: %v %q", err, d.Commands)
	}
	p.SetShell(withSum.Probes()[1].Arg, engine.ShellResult{ExitCode: 127})
	if d, err := withSum.Check("create", p); err != nil || len(d.Commands) != 1 || !strings.Contains(d.Commands[0], "else wget -q -S -O") {
		t.Errorf("no curl: %v %q, want the download planned", err, d.Commands)
	}
}

// With fetch_on_node, a file source is the node's own file: its sha256
// is probed on the node, and the node copies it.
func TestRemoteFile_NodeFileSource(t *testing.T) {
	src := `remote_file("/etc/app.conf", source="file:///srv/shared/app%20conf", fetch_on_node=True)`
	r := compileOne(t, src, debian12())
	if ps := r.Probes(); len(ps) != 2 || ps[1].Arg != "sha256sum < '/srv/shared/app conf'" {
		t.Fatalf("probes = %+v", ps)
	}
	sum := engine.ShellResult{Stdout: sha256hex("x") + "  -\n"}
	runKindCases(t, []kindCase{
		{name: "same content", src: src, stat: []engine.FileState{{Exists: true, Type: "file", Mode: "0644", SHA256: sha256hex("x")}}, shell: []engine.ShellResult{sum}},
	})
	d, err := r.Check("create", func() engine.Probed {
		p := engine.NewProbed()
		p.SetStat("/etc/app.conf", engine.FileState{})
		p.SetShell(r.Probes()[1].Arg, sum)
		return p
	}())
	if err != nil || len(d.Commands) != 1 || !strings.Contains(d.Commands[0], `cp -- '/srv/shared/app conf' "$t";`) ||
		d.Changes[0] != "create new file /etc/app.conf (download file:///srv/shared/app%20conf)" {
		t.Errorf("copy: %v %q", err, d.Commands)
	}
	p := engine.NewProbed()
	p.SetStat("/etc/app.conf", engine.FileState{})
	p.SetShell(r.Probes()[1].Arg, engine.ShellResult{ExitCode: 1})
	if _, err := r.Check("create", p); err == nil || !strings.Contains(err.Error(), "the node has no file /srv/shared/app conf") {
		t.Errorf("missing source: err = %v", err)
	}
}

func TestRemoteFile_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"checksum not hex", "\nremote_file(\"/x\", source=\"https://h/x\", checksum=\"" + strings.Repeat("g", 64) + "\")\n", 2, `checksum "g+" is not a sha256 in hex`},
		{"checksum md5", "remote_file(\"/x\", source=\"https://h/x\", checksum=\"d41d8cd98f00b204e9800998ecf8427e\")\n", 1, `checksum "d41d8cd98f00b204e9800998ecf8427e" is not a sha256 in hex`},
		{"source with a space", "remote_file(\"/x\", source=\"https://h/a b\")\n", 1, `source URL "https://h/a b" contains a space`},
		{"ftp", "remote_file(\"/x\", source=\"ftp://h/x\")\n", 1, `source scheme "ftp" is not supported`},
		{"relative source", "remote_file(\"/x\", source=\"files/x\")\n", 1, `source "files/x" is not a URL or an absolute path`},
		{"no source", "remote_file(\"/x\")\n", 1, `remote_file /x has no source`},
		{"relative path", "remote_file(\"x\", source=\"https://h/x\")\n", 1, `path "x" is not absolute`},
		{"header name", "remote_file(\"/x\", source=\"https://h/x\", headers={\"A B\": \"1\"})\n", 1, `header name "A B" is not valid`},
		{"header newline", "remote_file(\"/x\", source=\"https://h/x\", headers={\"A\": \"1\\r\\nHost: evil\"})\n", 1, `value of header A contains a newline`},
	})
}
