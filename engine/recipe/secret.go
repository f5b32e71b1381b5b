package recipe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sync"

	"go.starlark.net/starlark"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/keyorder"
)

// Decrypter opens the repository's age files: secrets/NAME.age and
// encrypted data bag items. The command line gives the repository a
// keyring (engine/secrets); recipe never holds a key itself.
type Decrypter interface {
	Decrypt(path string) ([]byte, error)
}

// teamFiles caches what the repository's secret and data files decoded
// to, for every node of a run: each file is read (and decrypted) once.
type teamFiles struct {
	mu    sync.Mutex
	cache map[string]teamEntry
}

type teamEntry struct {
	v   starlark.Value
	err error
}

func (t *teamFiles) get(key string, load func() (starlark.Value, error)) (starlark.Value, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.cache[key]; ok {
		return e.v, e.err
	}
	v, err := load()
	if t.cache == nil {
		t.cache = map[string]teamEntry{}
	}
	t.cache[key] = teamEntry{v, err}
	return v, err
}

var secretName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// builtinSecret is secret("NAME"): the JSON object of secrets/NAME.age,
// every value of which is registered as a secret of the run.
// secret("NAME", default=V) is V when the repository has no such file (a
// cookbook that also takes its values from attributes).
func (c *compiler) builtinSecret(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	var def starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name, "default?", &def); err != nil {
		return nil, err
	}
	pos := callerPos(thread)
	if !secretName.MatchString(name) || name == "." || name == ".." {
		return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("secret(%q): a secret's name is letters, digits, '_', '-' and '.'", name)}
	}
	path := filepath.Join(c.repo.Root, "secrets", name+".age")
	if def != nil {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return def, nil
		}
	}
	return c.repo.team.get("secret:"+name, func() (starlark.Value, error) {
		return c.repo.openSecret(path, pos, fmt.Sprintf("secret(%q)", name), "converge secrets edit "+name)
	})
}

// openSecret decrypts an age file holding a JSON object, registers its
// values as secrets, and returns it as a frozen dict.
func (r *Repo) openSecret(path string, pos engine.Pos, what, create string) (starlark.Value, error) {
	if r.Decrypt == nil {
		return nil, &engine.Diagnostic{Pos: pos, Summary: what + ": this command reads no secrets", Detail: "secrets are read by converge runs, plan and check"}
	}
	plain, err := r.Decrypt.Decrypt(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s: %s does not exist", what, path), Detail: "create it with " + create}
	}
	if err != nil {
		return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s: %v", what, err)}
	}
	doc, docOrd, err := decodeObject(plain)
	if err != nil {
		return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s: %s: %v", what, path, err), Detail: "fix it with " + create}
	}
	r.Secrets.AddAll(doc)
	v := jsonToStarlark(doc, docOrd)
	v.Freeze()
	return v, nil
}

// decodeObject decodes a JSON object, numbers kept exact, and the key
// order of its objects.
func decodeObject(b []byte) (map[string]any, *keyorder.Table, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, nil, fmt.Errorf("not a JSON object: %v", err)
	}
	if m == nil {
		return nil, nil, errors.New("not a JSON object: null")
	}
	// again, for the order of the keys as written
	ord := keyorder.New()
	v, err := keyorder.Decode(json.NewDecoder(bytes.NewReader(b)), ord)
	if err != nil {
		return nil, nil, fmt.Errorf("not a JSON object: %v", err)
	}
	return v.(map[string]any), ord, nil
}

// jsonToStarlark converts decoded JSON to Starlark dicts and lists; a
// dict's keys are in the order ord records (sorted when it has none).
func jsonToStarlark(v any, ord *keyorder.Table) starlark.Value {
	switch x := v.(type) {
	case nil:
		return starlark.None
	case bool:
		return starlark.Bool(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return starlark.MakeInt64(i)
		}
		f, _ := x.Float64()
		return starlark.Float(f)
	case string:
		return starlark.String(x)
	case []any:
		l := make([]starlark.Value, len(x))
		for i, e := range x {
			l[i] = jsonToStarlark(e, ord)
		}
		return starlark.NewList(l)
	case map[string]any:
		d := starlark.NewDict(len(x))
		for _, k := range ord.Keys(x) {
			_ = d.SetKey(starlark.String(k), jsonToStarlark(x[k], ord))
		}
		return d
	}
	return starlark.String(fmt.Sprint(v))
}

// touchesSecret says whether a Starlark value holds a secret of the run.
func (c *compiler) touchesSecret(v starlark.Value) bool {
	s := c.repo.Secrets
	if s.Empty() {
		return false
	}
	var walk func(v starlark.Value, depth int) bool
	walk = func(v starlark.Value, depth int) bool {
		if depth > 64 {
			return false
		}
		switch x := v.(type) {
		case starlark.String:
			return s.Contains(string(x))
		case starlark.Int, starlark.Float:
			return s.Contains(x.String())
		case starlark.Indexable: // list, tuple
			for i := 0; i < x.Len(); i++ {
				if walk(x.Index(i), depth+1) {
					return true
				}
			}
		case starlark.IterableMapping:
			for _, kv := range x.Items() {
				if walk(kv[0], depth+1) || walk(kv[1], depth+1) {
					return true
				}
			}
		case starlark.HasAttrs:
			names := x.AttrNames()
			for _, n := range names {
				a, err := x.Attr(n)
				if err == nil && a != nil {
					if _, isBuiltin := a.(*starlark.Builtin); !isBuiltin && walk(a, depth+1) {
						return true
					}
				}
			}
		}
		return false
	}
	return walk(v, 0)
}

// taint makes a resource sensitive when its name or any property holds a
// secret of the run, whatever the recipe says: a secret is never shown
// because a recipe forgot sensitive=True. A name that holds one is hidden
// as well.
func (c *compiler) taint(base *engine.Common, name starlark.Value, kwargs []starlark.Tuple) {
	if c.repo.Secrets.Empty() {
		return
	}
	if c.touchesSecret(name) {
		base.Sensitive, base.HideName = true, true
		return
	}
	for _, kv := range kwargs {
		if c.touchesSecret(kv[1]) {
			base.Sensitive = true
			return
		}
	}
}
