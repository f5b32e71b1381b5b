package engine

import (
	"sort"
	"sync"
)

// Kind describes a resource kind: its builtin name, actions and constructor.
// The Starlark builtin is generated from the fields of New()'s struct that
// carry a `prop:"name"` tag (see package recipe).
type Kind struct {
	Name string
	// Actions the kind accepts; the first is the default.
	Actions []string
	// New returns a pointer to a zero resource of this kind; nil for a
	// custom kind (defined in Starlark), whose properties are Props.
	New func() Resource
	// Props are a custom kind's properties, in declaration order.
	Props []Property
	// ActionDocs are the custom kind's actions' sentences (their docstrings).
	ActionDocs map[string]string
	// Cookbook defines a custom kind; "" for built-in kinds.
	Cookbook string
	// Doc is one sentence for the resource reference.
	Doc string
	// ChefNames are the Chef resource names, besides Name, that converge
	// migrate translates to this kind (apt_package for package).
	ChefNames []string
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string]*Kind{}
)

// Register adds a resource kind; resources call it from init(). A kind
// registered twice is a bug in converge and panics.
func Register(k Kind) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if _, dup := kinds[k.Name]; dup {
		panic("engine: resource kind " + k.Name + " registered twice; this is a bug in converge")
	}
	kinds[k.Name] = &k
}

// LookupKind returns the kind registered under name.
func LookupKind(name string) (*Kind, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	k, ok := kinds[name]
	return k, ok
}

// ChefKind returns the kind a Chef resource name translates to: the kind
// of that name, or the one that lists it in ChefNames.
func ChefKind(chefName string) (*Kind, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	if k, ok := kinds[chefName]; ok {
		return k, true
	}
	for _, k := range kinds {
		for _, n := range k.ChefNames {
			if n == chefName {
				return k, true
			}
		}
	}
	return nil, false
}

// Kinds returns every registered kind, sorted by name.
func Kinds() []*Kind {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	out := make([]*Kind, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Toucher is implemented by resources whose changes are confined to known
// paths; after such a resource changes the node, only probes of related
// paths (and probes that depend on anything) are taken again. A resource
// that does not implement it may have changed anything.
type Toucher interface {
	Touches() []string
}
