package resources

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
	"github.com/converge-cm/converge/engine/transport"
)

// RemoteFile manages a file whose content comes from a URL (http, https,
// file) or from a path on the control machine, as Chef's remote_file does.
//
// By default converge fetches the source on the control machine and
// writes it to the node with the same atomic writer as file. The fetch
// happens at converge time, in Check (for `converge plan` as well, which
// then sends a conditional request), never at compile time: `converge
// check` does no network I/O, and `plan --facts` plans the download
// without fetching. With fetch_on_node=True the node downloads it with
// curl (or wget) to a temporary file and renames it into place.
//
// A file is not downloaded again when its sha256 equals checksum, or when
// the ETag or Last-Modified recorded after the last download still holds
// (a conditional request the server answers 304). The record lives in
// /var/lib/converge/remote_file on the node, not beside the file: a file
// beside it would be read by directories such as /etc/cron.d.
type RemoteFile struct {
	engine.Common
	Path     string            `prop:"path,name" doc:"Absolute path of the file on the node; defaults to the resource name."`
	Source   string            `prop:"source" doc:"Where the content comes from: an http, https or file URL, or an absolute path on the control machine."`
	Checksum string            `prop:"checksum" doc:"The content's sha256 in hex: a file that has it is never downloaded again, and a download that lacks it fails."`
	Headers  map[string]string `prop:"headers" doc:"HTTP request headers; their values never appear in output (they may be credentials)."`
	Ownership
	Backup          any    `prop:"backup" doc:"How many replaced versions to keep beside the file (default 5); False keeps none; fetch_on_node keeps none."`
	FetchOnNode     bool   `prop:"fetch_on_node" doc:"Download on the node with curl or wget instead of on the control machine; a file source is then the node's own file."`
	UseEtag         bool   `prop:"use_etag" doc:"Record the ETag and ask the server whether it changed (default True)."`
	UseLastModified bool   `prop:"use_last_modified" doc:"Record Last-Modified and ask the server whether it changed (default True)."`
	Verify          string `prop:"verify" doc:"Command run on the new content before it replaces the file; %{path} is the temporary file."`

	c       content
	u       *url.URL
	meta    string // the record of the last download on the node
	headers []string
	memo    *fetchMemo
}

var (
	_ engine.Resource = (*RemoteFile)(nil)
	_ engine.Toucher  = (*RemoteFile)(nil)
)

func init() {
	engine.Register(engine.Kind{Name: "remote_file", Actions: []string{"create", "create_if_missing", "delete"},
		New: func() engine.Resource { return &RemoteFile{} }, Doc: "A file downloaded from a URL or copied from the control machine, fetched again only when it changed."})
}

var (
	sha256Re     = regexp.MustCompile(`^[0-9a-f]{64}$`)
	headerNameRe = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+.^_|~-]+$`)
)

// remoteMetaDir holds one record per remote_file path on the node.
const remoteMetaDir = "/var/lib/converge/remote_file"

// Prepare validates the source, checksum and headers.
func (r *RemoteFile) Prepare(*engine.PrepareContext) error {
	bad := func(detail, format string, a ...any) error { return engine.Errorf(&r.Common, detail, format, a...) }
	if err := checkAbs(&r.Common, r.Path); err != nil {
		return err
	}
	for p, def := range map[string]*bool{"use_etag": &r.UseEtag, "use_last_modified": &r.UseLastModified} {
		if !r.IsSet(p) {
			*def = true
		}
	}
	r.Checksum = strings.ToLower(strings.TrimSpace(r.Checksum))
	if r.Checksum != "" && !sha256Re.MatchString(r.Checksum) {
		return bad("give the sha256 of the content as 64 hex digits (sha256sum prints it)", "checksum %q is not a sha256 in hex", r.Checksum)
	}
	n, err := backupCount(&r.Common, r.Backup)
	if err != nil {
		return bad("", "%v", err)
	}
	r.c = content{path: r.Path, own: r.Ownership, managed: true, backups: n, verify: r.Verify}
	h := sha256.Sum256([]byte(r.Path))
	r.meta = remoteMetaDir + "/" + hex.EncodeToString(h[:16])
	r.memo = &fetchMemo{}
	if r.FetchOnNode && r.Verify != "" && !strings.Contains(r.Verify, "%{path}") {
		return bad("write the command with %{path}, the temporary file", "verify %q does not name %%{path}", r.Verify)
	}
	if r.Actions[0] == "delete" && r.Source == "" {
		return nil
	}
	if r.Source == "" {
		return bad("set source=\"https://...\"", "remote_file %s has no source", r.Path)
	}
	if strings.ContainsAny(r.Source, " \t\n\r") {
		return bad("percent-encode a space as %20", "source URL %q contains a space", r.Source)
	}
	if strings.HasPrefix(r.Source, "/") {
		r.u = &url.URL{Scheme: "file", Path: r.Source}
	} else if r.u, err = url.Parse(r.Source); err != nil || r.u.Scheme == "" {
		return bad("use an http, https or file URL, or an absolute path on the control machine", "source %q is not a URL or an absolute path", r.Source)
	}
	switch r.u.Scheme {
	case "http", "https":
		if r.u.Host == "" {
			return bad("", "source %q has no host", r.Source)
		}
	case "file":
		if r.u.Host != "" && r.u.Host != "localhost" || r.u.Path == "" {
			return bad("write file:///absolute/path", "source %q is not a file:///path URL", r.Source)
		}
	default:
		return bad("use an http, https or file URL, or an absolute path on the control machine", "source scheme %q is not supported", r.u.Scheme)
	}
	keys := make([]string, 0, len(r.Headers))
	for k := range r.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !headerNameRe.MatchString(k) {
			return bad("a header name is letters, digits and -", "header name %q is not valid", k)
		}
		if strings.ContainsAny(r.Headers[k], "\r\n\x00") {
			return bad("", "value of header %s contains a newline", k)
		}
		r.headers = append(r.headers, k)
	}
	return nil
}

// Touches is the file and its record.
func (r *RemoteFile) Touches() []string { return []string{r.Path, r.meta} }

// metaProbe prints the record of the last download (exit 1: none).
func (r *RemoteFile) metaProbe() string { return "cat -- " + shell.Quote(r.meta) }

// curlConfig is curl's config for the headers, read from stdin (-K -) so
// that their values are never on a command line.
func (r *RemoteFile) curlConfig() string {
	var b strings.Builder
	for _, k := range r.headers {
		v := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(k + ": " + r.Headers[k])
		b.WriteString("header = \"" + v + "\"\n")
	}
	return b.String()
}

// nodeProbe asks the server, from the node, whether the source changed
// since the recorded download: it prints the HTTP status of a conditional
// request (304: unchanged). Exit 2: nothing recorded, 3: the file changed
// since, 4: no validators, 127: no curl.
func (r *RemoteFile) nodeProbe() string {
	m, f := shell.Quote(r.meta), shell.Quote(r.Path)
	s := "command -v curl >/dev/null || exit 127; [ -f " + f + " ] && [ -f " + m + " ] || exit 2; " +
		"s=$(sha256sum < " + f + "); [ \"${s%% *}\" = \"$(sed -n 's/^sha256=//p' " + m + ")\" ] || exit 3; set --; "
	if r.UseEtag {
		s += "e=$(sed -n 's/^etag=//p' " + m + "); [ -n \"$e\" ] && set -- \"$@\" -H \"If-None-Match: $e\"; "
	}
	if r.UseLastModified {
		s += "l=$(sed -n 's/^last_modified=//p' " + m + "); [ -n \"$l\" ] && set -- \"$@\" -H \"If-Modified-Since: $l\"; "
	}
	s += "[ $# -gt 0 ] || exit 4; curl -sS -o /dev/null -w '%{http_code}' \"$@\" -K - " + shell.Quote(r.Source) + " <<'CONVERGE_HEADERS'\n" + r.curlConfig() + "CONVERGE_HEADERS"
	return s
}

// nodeFileProbe prints the sha256 of a file source on the node.
func (r *RemoteFile) nodeFileProbe() string { return "sha256sum < " + shell.Quote(r.u.Path) }

// Probes stats the file and reads the record of its last download; with
// fetch_on_node the node also asks the server whether it changed.
func (r *RemoteFile) Probes() []engine.Probe {
	ps := r.c.probes()
	switch {
	case r.FetchOnNode && r.u != nil && r.u.Scheme == "file":
		return append(ps, engine.ShellProbe(r.nodeFileProbe(), r.u.Path))
	case r.FetchOnNode && r.u != nil:
		return append(ps, engine.ShellProbe(r.nodeProbe(), r.Path, r.meta))
	}
	return append(ps, engine.ShellProbe(r.metaProbe(), r.meta))
}

// remoteMeta is the record of a download.
type remoteMeta struct{ sha, etag, lastModified string }

func parseRemoteMeta(s string) remoteMeta {
	var m remoteMeta
	for _, l := range strings.Split(s, "\n") {
		k, v, _ := strings.Cut(l, "=")
		switch k {
		case "sha256":
			m.sha = v
		case "etag":
			m.etag = v
		case "last_modified":
			m.lastModified = v
		}
	}
	return m
}

func (m remoteMeta) String() string {
	return "sha256=" + m.sha + "\netag=" + m.etag + "\nlast_modified=" + m.lastModified + "\n"
}

// fetched is what a fetch on the control machine returned.
type fetched struct {
	notModified bool
	body        []byte
	meta        remoteMeta
}

// fetchMemo keeps the last fetch, so that Check called again with the
// same state (a before notification, the batch scan) asks once.
type fetchMemo struct {
	key string
	f   fetched
}

// remotePlan is what Apply does, as Check decided.
type remotePlan struct {
	write bool       // write body with the file writer
	body  []byte     // content fetched on the control machine
	meta  remoteMeta // the record written after the write
	cmds  []string   // commands, in order, after the write
	stdin string     // stdin of the node's download command
}

// Check decides whether the file must be fetched and written.
func (r *RemoteFile) Check(action string, p engine.Probed) (engine.Diff, error) {
	st, err := statOf(p, r.Path)
	if err != nil {
		return engine.Diff{}, err
	}
	if st.Exists && st.Type != "file" {
		return engine.Diff{}, fmt.Errorf("%s is a %s, not a regular file; remove it first", r.Path, st.Type)
	}
	switch action {
	case "delete":
		if !st.Exists {
			return engine.Diff{}, nil
		}
		cmds := []string{"rm -f -- " + shell.Quote(r.Path) + " " + shell.Quote(r.meta)}
		return engine.Diff{Changes: []string{"delete file " + r.Path}, Commands: cmds, Data: remotePlan{cmds: cmds}}, nil
	case "create_if_missing":
		if st.Exists {
			return engine.Diff{}, nil
		}
	}
	drift := func() (engine.Diff, error) {
		ch := r.c.own.drift(st)
		if len(ch) == 0 {
			return engine.Diff{}, nil
		}
		cmds := []string{r.c.own.fixCmd(r.Path)}
		return engine.Diff{Changes: ch, Commands: cmds, Data: remotePlan{cmds: cmds}}, nil
	}
	if st.Exists && r.Checksum != "" && st.SHA256 == r.Checksum {
		return drift()
	}
	if p.Assumed() {
		return r.download(st, fetched{}, false)
	}
	if r.FetchOnNode && r.u.Scheme == "file" {
		res, err := shellOf(p, r.nodeFileProbe())
		if err != nil {
			return engine.Diff{}, err
		}
		sum, _, _ := strings.Cut(res.Stdout, " ")
		switch {
		case res.ExitCode != 0:
			return engine.Diff{}, fmt.Errorf("the node has no file %s to copy; declare what creates it first, or fetch it from the control machine (fetch_on_node=False)", r.u.Path)
		case r.Checksum != "" && sum != r.Checksum:
			return engine.Diff{}, fmt.Errorf("%s on the node has sha256 %s, not the checksum %s; correct checksum= or the source", r.u.Path, sum, r.Checksum)
		case st.Exists && sum == st.SHA256:
			return drift()
		}
		return r.download(st, fetched{}, false)
	}
	if r.FetchOnNode {
		res, err := shellOf(p, r.nodeProbe())
		if err != nil {
			return engine.Diff{}, err
		}
		switch {
		case res.ExitCode == 127:
			// No curl to ask the server with (yet: a package declared
			// earlier installs it): download, with wget if need be.
		case res.ExitCode == 0 && strings.TrimSpace(res.Stdout) == "304" && r.Checksum == "":
			return drift()
		case res.ExitCode == 0 && strings.HasPrefix(strings.TrimSpace(res.Stdout), "4"), res.ExitCode == 0 && strings.HasPrefix(strings.TrimSpace(res.Stdout), "5"):
			return engine.Diff{}, fmt.Errorf("%s answered HTTP %s to the node", r.redactedSource(), strings.TrimSpace(res.Stdout))
		}
		return r.download(st, fetched{}, false)
	}
	mr, err := shellOf(p, r.metaProbe())
	if err != nil {
		return engine.Diff{}, err
	}
	var old remoteMeta
	if mr.ExitCode == 0 && st.Exists {
		if old = parseRemoteMeta(mr.Stdout); old.sha != st.SHA256 {
			old = remoteMeta{} // the file changed since the download
		}
	}
	f, err := r.fetch(old)
	if err != nil {
		return engine.Diff{}, err
	}
	if f.notModified {
		return drift()
	}
	if r.Checksum != "" && f.meta.sha != r.Checksum {
		return engine.Diff{}, fmt.Errorf("%s has sha256 %s, not the checksum %s; correct checksum= or the source", r.redactedSource(), f.meta.sha, r.Checksum)
	}
	if st.Exists && f.meta.sha == st.SHA256 {
		return drift()
	}
	return r.download(st, f, true)
}

// download plans writing the content: fetched on the control machine
// (have), or downloaded by the node.
func (r *RemoteFile) download(st engine.FileState, f fetched, have bool) (engine.Diff, error) {
	var d engine.Diff
	plan := remotePlan{}
	change := "create new file " + r.Path
	switch {
	case st.Exists && have:
		change = fmt.Sprintf("update content of file %s from %.8s to %.8s", r.Path, st.SHA256, f.meta.sha)
	case st.Exists:
		change = "update content of file " + r.Path
	}
	d.Changes = []string{change + " (download " + r.redactedSource() + ")"}
	if have {
		plan.write, plan.body, plan.meta = true, f.body, f.meta
		plan.cmds = []string{"mkdir -p -- " + remoteMetaDir}
		if len(f.body) <= 256<<10 && utf8.Valid(f.body) && !bytes.ContainsRune(f.body, 0) {
			d.Content = &engine.ContentChange{Path: r.Path, OldSHA: st.SHA256, New: f.body, NeedsOld: st.Exists}
		}
	} else {
		plan.cmds = []string{r.nodeDownload()}
		plan.stdin = r.curlConfig()
	}
	d.Commands, d.Data = plan.cmds, plan
	return d, nil
}

// redactedSource is the source without a password.
func (r *RemoteFile) redactedSource() string {
	if r.u == nil {
		return r.Source
	}
	return r.u.Redacted()
}

// fetch gets the source on the control machine: a conditional request
// when old has validators.
func (r *RemoteFile) fetch(old remoteMeta) (fetched, error) {
	key := old.String()
	if r.memo.key == key && (r.memo.f.notModified || r.memo.f.body != nil) {
		return r.memo.f, nil
	}
	var f fetched
	if r.u.Scheme == "file" {
		b, err := os.ReadFile(r.u.Path)
		if err != nil {
			return f, fmt.Errorf("read the source on the control machine: %v", err)
		}
		f.body = b
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.Source, nil)
		if err != nil {
			return f, err
		}
		for _, k := range r.headers {
			req.Header.Set(k, r.Headers[k])
		}
		if r.UseEtag && old.etag != "" {
			req.Header.Set("If-None-Match", old.etag)
		}
		if r.UseLastModified && old.lastModified != "" {
			req.Header.Set("If-Modified-Since", old.lastModified)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return f, fmt.Errorf("fetch %s: %v", r.redactedSource(), strings.ReplaceAll(err.Error(), r.Source, r.redactedSource()))
		}
		defer resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusNotModified:
			f.notModified = true
			r.memo.key, r.memo.f = key, f
			return f, nil
		case resp.StatusCode != http.StatusOK:
			return f, fmt.Errorf("fetch %s: the server answered %s", r.redactedSource(), resp.Status)
		}
		if f.body, err = io.ReadAll(resp.Body); err != nil {
			return f, fmt.Errorf("fetch %s: %v", r.redactedSource(), err)
		}
		if r.UseEtag {
			f.meta.etag = resp.Header.Get("ETag")
		}
		if r.UseLastModified {
			f.meta.lastModified = resp.Header.Get("Last-Modified")
		}
	}
	f.meta.sha = sha(f.body)
	r.memo.key, r.memo.f = key, f
	return f, nil
}

// nodeDownload is the node's download: curl (headers from its stdin) or
// wget, to a temporary file beside the path, the checksum checked, owner
// and mode set, then renamed into place and recorded.
func (r *RemoteFile) nodeDownload() string {
	f, m, src := shell.Quote(r.Path), shell.Quote(r.meta), shell.Quote(r.Source)
	noCurl := "wget -q -S -O \"$t\" " + src + " 2>\"$h\""
	if len(r.headers) > 0 {
		noCurl = "echo 'remote_file headers need curl on the node' >&2; exit 1"
	}
	get := "if command -v curl >/dev/null; then curl -fsSL -D \"$h\" -o \"$t\" -K - " + src + "; else " + noCurl + "; fi; "
	if r.u.Scheme == "file" {
		get = "cp -- " + shell.Quote(r.u.Path) + " \"$t\"; "
	}
	s := "set -e; t=$(mktemp \"$(dirname -- " + f + ")/.converge-remote.XXXXXX\"); h=$(mktemp); trap 'rm -f \"$t\" \"$h\"' EXIT; " +
		get + "s=$(sha256sum < \"$t\"); s=${s%% *}; "
	if r.Checksum != "" {
		s += "[ \"$s\" = " + r.Checksum + " ] || { echo \"downloaded sha256 $s is not the checksum " + r.Checksum + "\" >&2; exit 1; }; "
	}
	o := r.c.own
	switch {
	case o.Owner != "" && o.Group != "":
		s += "chown -- " + shell.Quote(o.Owner+":"+o.Group) + " \"$t\"; "
	case o.Owner != "":
		s += "chown -- " + shell.Quote(o.Owner) + " \"$t\"; "
	case o.Group != "":
		s += "chgrp -- " + shell.Quote(o.Group) + " \"$t\"; "
	}
	mode := o.Mode
	if mode == "" {
		mode = "0644"
	}
	s += "chmod " + shell.Quote(mode) + " \"$t\"; "
	if r.Verify != "" {
		s += strings.ReplaceAll(r.Verify, "%{path}", "\"$t\"") + "; "
	}
	s += "mv -f -- \"$t\" " + f + "; mkdir -p -- " + remoteMetaDir + "; " +
		"{ echo \"sha256=$s\"; tr -d '\\r' < \"$h\" | sed -n 's/^[[:space:]]*[Ee][Tt][Aa][Gg]:[[:space:]]*/etag=/p' | tail -n 1; " +
		"tr -d '\\r' < \"$h\" | sed -n 's/^[[:space:]]*[Ll]ast-[Mm]odified:[[:space:]]*/last_modified=/p' | tail -n 1; } > " + m
	return s
}

// Apply writes what Check fetched with the file writer and records the
// download, or runs the node's download.
func (r *RemoteFile) Apply(ctx context.Context, action string, d engine.Diff, h *engine.Host) error {
	plan, ok := d.Data.(remotePlan)
	if !ok {
		return fmt.Errorf("remote_file Apply without a plan from Check; this is a bug in converge")
	}
	if plan.write {
		c := r.c
		c.data = plan.body
		if err := c.apply(ctx, engine.Diff{Data: contentPlan{write: true}}, h); err != nil {
			return err
		}
	}
	for _, cmd := range plan.cmds {
		var stdin io.Reader
		if !plan.write {
			stdin = strings.NewReader(plan.stdin) // curl -K -: the headers
		}
		res, err := h.T.Run(ctx, cmd, stdin)
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return &engine.CommandError{Cmd: cmd, ExitCode: res.ExitCode, Stderr: string(res.Stderr), Stdout: string(res.Stdout)}
		}
	}
	if plan.write {
		return h.T.Put(ctx, r.meta, []byte(plan.meta.String()), transport.PutOptions{Mode: "0600"})
	}
	return nil
}
