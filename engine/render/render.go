package render

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"text/template"

	"github.com/converge-cm/converge/engine/keyorder"
	"github.com/converge-cm/converge/engine/render/rb"
)

var (
	funcsMu sync.Mutex
	funcs   = template.FuncMap{
		"join":    joinAny,
		"upper":   strings.ToUpper,
		"lower":   strings.ToLower,
		"trim":    strings.TrimSpace,
		"replace": strings.ReplaceAll,
		"default": func(def, v any) any {
			if v == nil || v == "" {
				return def
			}
			return v
		},
	}
)

func init() { RegisterFuncs(rb.Funcs()) }

// RegisterFuncs adds template functions; it is meant for init() of packages
// that extend the template language (the rb_ functions of engine/render/rb
// are registered this way).
// A name registered twice is a bug in converge and panics.
func RegisterFuncs(m template.FuncMap) {
	funcsMu.Lock()
	defer funcsMu.Unlock()
	for k, v := range m {
		if _, dup := funcs[k]; dup {
			panic("render: template function " + k + " registered twice; this is a bug in converge")
		}
		funcs[k] = v
	}
}

// Funcs returns a copy of the template functions.
func Funcs() template.FuncMap {
	funcsMu.Lock()
	defer funcsMu.Unlock()
	m := make(template.FuncMap, len(funcs))
	for k, v := range funcs {
		m[k] = v
	}
	return m
}

// Parse parses a template; name is used in error messages (a file path).
func Parse(name, src string) (*template.Template, error) {
	return template.New(name).Funcs(Funcs()).Option("missingkey=error").Parse(src)
}

// Render parses and executes src with data, whose maps walk in sorted
// key order; see RenderOrdered.
func Render(name, src string, data map[string]any) ([]byte, error) {
	return RenderOrdered(name, src, data, nil)
}

// RenderOrdered parses and executes src with data; what walks a map of
// data (the rb_ functions) walks it in the key order ord records, Ruby's
// insertion order (nil: sorted), and hashes the template makes keep the
// order they are written in.
func RenderOrdered(name, src string, data map[string]any, ord *keyorder.Table) ([]byte, error) {
	t, err := Parse(name, src)
	if err != nil {
		return nil, err
	}
	made := ord.Child() // ord, and the hashes of this render: dropped with it
	t.Funcs(rb.Bind(made))
	defer keyorder.Use(made)()
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func joinAny(sep string, v any) (string, error) {
	switch l := v.(type) {
	case []string:
		return strings.Join(l, sep), nil
	case []any:
		s := make([]string, len(l))
		for i, x := range l {
			s[i] = fmt.Sprint(x)
		}
		return strings.Join(s, sep), nil
	default:
		return "", fmt.Errorf("join: want a list, got %T", v)
	}
}
