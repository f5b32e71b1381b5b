package keyorder

import (
	"maps"
	"reflect"
	"slices"
	"sync"
	"unsafe"
)

// Table is the key order of maps, by identity. The zero value is not
// usable; a nil *Table records nothing and knows no order.
type Table struct {
	mu     sync.RWMutex
	m      map[unsafe.Pointer]entry
	parent *Table
}

type entry struct {
	m    map[string]any // held so that the identity stays this map's
	keys []string
}

// New returns an empty Table.
func New() *Table { return &Table{m: map[unsafe.Pointer]entry{}} }

func id(m map[string]any) unsafe.Pointer { return reflect.ValueOf(m).UnsafePointer() }

// Child returns an empty Table that also knows what t knows: for maps
// made and dropped while t's stay (a view built for one read). The child
// of a nil Table is an empty Table.
func (t *Table) Child() *Table {
	c := New()
	c.parent = t
	return c
}

// Set records keys, each once, as m's order. A nil t or m does nothing.
func (t *Table) Set(m map[string]any, keys []string) {
	if t == nil || m == nil {
		return
	}
	t.mu.Lock()
	t.m[id(m)] = entry{m: m, keys: keys}
	t.mu.Unlock()
}

// lookup returns m's recorded order.
func (t *Table) lookup(m map[string]any) ([]string, bool) {
	if t == nil || m == nil {
		return nil, false
	}
	t.mu.RLock()
	e, ok := t.m[id(m)]
	t.mu.RUnlock()
	if !ok {
		return t.parent.lookup(m)
	}
	return e.keys, ok
}

// Keys returns m's keys in t's recorded order (see the package doc); a
// map t does not know, or a nil t, gives sorted keys.
func (t *Table) Keys(m map[string]any) []string {
	rec, _ := t.lookup(m)
	return order(m, rec)
}

// Include records every order o knows in t too. A nil o does nothing.
func (t *Table) Include(o *Table) {
	if t == nil || o == nil || t == o {
		return
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, e := range o.m {
		t.m[k] = e
	}
}

// order is m's keys: those of rec that m holds, in rec's order, then the
// others sorted. The result may be rec itself, capped so that appending
// to it copies.
func order(m map[string]any, rec []string) []string {
	if len(m) == 0 {
		return nil
	}
	if len(rec) == len(m) {
		all := true
		for _, k := range rec {
			if _, ok := m[k]; !ok {
				all = false
				break
			}
		}
		if all { // rec holds no key twice (Set's callers give each once)
			return rec[:len(rec):len(rec)]
		}
	}
	out := make([]string, 0, len(m))
	seen := make(map[string]bool, len(rec))
	for _, k := range rec {
		if _, ok := m[k]; ok && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	if len(out) == len(m) {
		return out
	}
	var rest []string
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// inUse are the Tables that Keys searches, with how many Use calls hold
// each.
var inUse struct {
	sync.RWMutex
	tables map[*Table]int
}

// Use makes Keys (the package function) search t until release is
// called. Uses nest and may overlap (each compile and render uses its
// own Table); a nil t is a no-op.
func Use(t *Table) (release func()) {
	if t == nil {
		return func() {}
	}
	inUse.Lock()
	if inUse.tables == nil {
		inUse.tables = map[*Table]int{}
	}
	inUse.tables[t]++
	inUse.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			inUse.Lock()
			if inUse.tables[t]--; inUse.tables[t] <= 0 {
				delete(inUse.tables, t)
			}
			inUse.Unlock()
		})
	}
}

// Keys returns m's keys in the order a Table in use recorded, else
// sorted.
func Keys(m map[string]any) []string {
	inUse.RLock()
	defer inUse.RUnlock()
	for t := range inUse.tables {
		if rec, ok := t.lookup(m); ok {
			return order(m, rec)
		}
	}
	return slices.Sorted(maps.Keys(m))
}
