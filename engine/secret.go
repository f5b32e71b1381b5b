package engine

import (
	"bytes"
	"encoding/json"
	"io"
	"sort"
	"strings"
	"sync"
)

// Secrets is the set of secret values a run has opened: secret("NAME")
// values and encrypted data bag items. Anything built from one of them is
// sensitive whether or not its recipe says so. The recipe compiler marks a
// resource sensitive when one of its properties, guards or its name holds a
// secret; a template whose rendered content holds one is sensitive too; and
// every byte converge prints goes through Redact, which replaces what is
// left (a secret in an error message, a resource name, a fact) with
// "(secret)".
//
// Values are matched as text, in the forms output would carry them: as
// they are, JSON-escaped, shell-quoted, and line by line for multi-line
// values (a key file). A value derived by a transformation converge does
// not know (a recipe's own base64, upper-casing) is not recognised; keep
// such values in the secret file in the form they are used in.
//
// The zero value is empty; all methods are safe for concurrent use, and a
// nil *Secrets holds nothing.
type Secrets struct {
	mu    sync.RWMutex
	seen  map[string]bool
	forms []string // longest first, each at least minSecretLen bytes
}

// Redacted is what replaces a secret in output.
const Redacted = "(secret)"

// minSecretLen is the shortest value matched inside longer text: a secret
// of one or two characters would blank out most of the output. Such a
// value still makes a property that equals it sensitive.
const minSecretLen = 3

// Add registers v, and returns it.
func (s *Secrets) Add(v string) string {
	if s == nil || v == "" {
		return v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if s.seen[v] {
		return v
	}
	s.seen[v] = true
	cands := []string{v, jsonEscaped(v, true), jsonEscaped(v, false), strings.ReplaceAll(v, `'`, `'\''`), strings.TrimSpace(v)}
	if strings.Contains(v, "\n") {
		for _, l := range strings.Split(v, "\n") {
			cands = append(cands, strings.TrimSpace(l))
		}
	}
	have := map[string]bool{}
	for _, f := range s.forms {
		have[f] = true
	}
	for _, f := range cands {
		if len(f) >= minSecretLen && !have[f] {
			have[f] = true
			s.forms = append(s.forms, f)
		}
	}
	sort.SliceStable(s.forms, func(i, j int) bool { return len(s.forms[i]) > len(s.forms[j]) })
	return v
}

// AddAll registers every string and number inside v (maps, slices).
func (s *Secrets) AddAll(v any) {
	switch x := v.(type) {
	case string:
		s.Add(x)
	case json.Number:
		s.Add(x.String())
	case map[string]any:
		for _, e := range x {
			s.AddAll(e)
		}
	case []any:
		for _, e := range x {
			s.AddAll(e)
		}
	}
}

// Empty says whether no secret is registered.
func (s *Secrets) Empty() bool {
	if s == nil {
		return true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.seen) == 0
}

// Contains says whether text holds a secret (or is one).
func (s *Secrets) Contains(text string) bool {
	if s == nil || text == "" {
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.seen[text] {
		return true
	}
	for _, f := range s.forms {
		if strings.Contains(text, f) {
			return true
		}
	}
	return false
}

// Touches says whether a Go value (string, []byte, maps, slices of them)
// holds a secret anywhere.
func (s *Secrets) Touches(v any) bool {
	if s.Empty() {
		return false
	}
	switch x := v.(type) {
	case string:
		return s.Contains(x)
	case []byte:
		return s.Contains(string(x))
	case []string:
		for _, e := range x {
			if s.Contains(e) {
				return true
			}
		}
	case map[string]string:
		for k, e := range x {
			if s.Contains(k) || s.Contains(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if s.Contains(k) || s.Touches(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if s.Touches(e) {
				return true
			}
		}
	}
	return false
}

// Redact replaces every secret in text.
func (s *Secrets) Redact(text string) string {
	if s == nil {
		return text
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, f := range s.forms {
		if strings.Contains(text, f) {
			text = strings.ReplaceAll(text, f, Redacted)
		}
	}
	return text
}

// Writer returns a writer that redacts what it passes on to w. It holds
// back an incomplete last line until the next write completes it or
// Flush is called, so that a secret split across two writes is still
// found; converge writes whole lines.
func (s *Secrets) Writer(w io.Writer) *RedactWriter {
	return &RedactWriter{s: s, w: w}
}

// RedactWriter is Secrets.Writer's writer.
type RedactWriter struct {
	mu  sync.Mutex
	s   *Secrets
	w   io.Writer
	buf []byte
}

func (r *RedactWriter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) == 0 && r.s.Empty() {
		// nothing to hide yet: no holding back (an interactive prompt)
		return r.w.Write(p)
	}
	r.buf = append(r.buf, p...)
	i := bytes.LastIndexByte(r.buf, '\n')
	if i < 0 {
		return len(p), nil
	}
	out := r.s.Redact(string(r.buf[:i+1]))
	rest := copy(r.buf, r.buf[i+1:])
	r.buf = r.buf[:rest]
	if _, err := io.WriteString(r.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what is held back.
func (r *RedactWriter) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) == 0 {
		return nil
	}
	out := r.s.Redact(string(r.buf))
	r.buf = r.buf[:0]
	_, err := io.WriteString(r.w, out)
	return err
}

// jsonEscaped is v as a JSON string holds it, without the quotes, with or
// without encoding/json's escaping of <, > and &.
func jsonEscaped(v string, html bool) string {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(html)
	_ = e.Encode(v)
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1]
}
