package engine

import (
	"context"
	"fmt"
	"strings"
)

// Resource is one declared piece of desired state on one node.
// Implementations embed Common and live in package resources, one kind per
// file, registered with Register.
type Resource interface {
	// Base returns the properties every resource has.
	Base() *Common
	// Prepare validates the resource against the node it was declared for,
	// chooses providers and renders content. It runs at compile time, on the
	// control machine, before any node is changed.
	Prepare(c *PrepareContext) error
	// Probes lists the read-only facts the resource needs, for any of its
	// actions. Guards and `creates` are added by the engine.
	Probes() []Probe
	// Check compares the desired state for action with what was probed. It
	// does no I/O. An empty Diff means up to date.
	Check(action string, p Probed) (Diff, error)
	// Apply makes the change Check described.
	Apply(ctx context.Context, action string, d Diff, h *Host) error
}

// Diff says what an action would change.
type Diff struct {
	// Changes are human-readable lines ("update content", "set mode to 0644").
	Changes []string
	// Content, for resources that write bytes, is the old and new content;
	// the reporter turns them into a unified diff (hidden when sensitive).
	Content *ContentChange
	// Commands are the commands Apply would run, for plans (empty for
	// resources whose change is a file write, and for sensitive ones).
	Commands []string
	// Data carries whatever Apply needs from Check.
	Data any
}

// ContentChange is the old and new bytes of a file.
type ContentChange struct {
	Path     string
	Old      []byte // nil when the engine has not fetched it yet
	OldSHA   string // "" when the file does not exist
	New      []byte
	NeedsOld bool // the reporter fetches Old before showing the diff
}

// Empty reports whether the Diff changes nothing.
func (d Diff) Empty() bool { return len(d.Changes) == 0 }

// Common holds the properties every resource has, and where it was declared.
type Common struct {
	Kind string // "package"
	Name string // the resource name as declared

	// Actions to run, in order; the kind's default when not given.
	Actions []string
	// NotIf and OnlyIf are guards; the resource is skipped when a NotIf
	// guard is true or an OnlyIf guard is false.
	NotIf  []Guard
	OnlyIf []Guard
	// IgnoreFailure lets the run go on when the resource fails.
	IgnoreFailure bool
	// Retries is how many times a failing action is tried again.
	Retries int
	// RetryDelay is the number of seconds between tries.
	RetryDelay int
	// Notifies are the notifications this resource sends when updated.
	Notifies []Notification
	// Subscribes are notifications this resource asks other resources to send.
	Subscribes []Notification
	// Sensitive hides content, diffs and commands from all output.
	Sensitive bool
	// HideName hides the name too: it holds a secret (a sensitive
	// execute's name is its command). Set through SecretName.
	HideName bool

	Pos      Pos    // where the resource was declared
	Cookbook string // cookbook of the declaring recipe
	Recipe   string // "cookbook::recipe"

	set map[string]bool
}

// Base returns c; embedding Common gives every resource its Base method.
func (c *Common) Base() *Common { return c }

// Address is how the resource is shown in every output (text, JSON,
// "notified by", errors, plans): kind[name], or, when the name is hidden,
// kind[sensitive: recipes/default.star:12]. It is the one place that
// decides; notifications resolve by Key.
func (c *Common) Address() string {
	if c.HideName {
		return c.Kind + "[sensitive: " + c.Pos.short() + "]"
	}
	return c.Key()
}

// Key is kind[name] as declared, what notifications name. It may hold a
// secret: never print it, print Address.
func (c *Common) Key() string { return c.Kind + "[" + c.Name + "]" }

// SecretName is implemented by resources whose name can hold a secret;
// the recipe compiler sets HideName from it once the properties are set.
type SecretName interface {
	NameIsSecret() bool
}

// short is the position with the file's last two path elements
// (recipes/default.star:12).
func (p Pos) short() string {
	f := p.File
	if i := strings.LastIndexByte(f, '/'); i > 0 {
		if j := strings.LastIndexByte(f[:i], '/'); j >= 0 {
			f = f[j+1:]
		}
	}
	return Pos{File: f, Line: p.Line}.String()
}

// IsSet reports whether the recipe gave property prop explicitly.
func (c *Common) IsSet(prop string) bool { return c.set[prop] }

// MarkSet records that prop was given; the recipe compiler calls it.
func (c *Common) MarkSet(prop string) {
	if c.set == nil {
		c.set = map[string]bool{}
	}
	c.set[prop] = true
}

// Guard is a not_if/only_if condition: a shell command (true on exit 0)
// or a function evaluated at converge time.
type Guard struct {
	Cmd string
	Fn  func() (bool, error)
	// Desc is how the guard is shown in output.
	Desc string
}

// Notification is one notifies/subscribes entry.
type Notification struct {
	Action string
	Target string // kind[name]: the notified resource (for subscribes: the watched one)
	Timing string // "delayed", "immediately", "before"
	Pos    Pos
}

// Pos is a position in a recipe file.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	if p.File == "" {
		return "<unknown>"
	}
	if p.Col > 0 {
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Diagnostic is an error a person can act on: where, what and how to fix it.
type Diagnostic struct {
	Pos     Pos
	Address string // kind[name], may be empty
	Summary string // one line, lowercase
	Detail  string // how to fix it; may be empty
}

func (d *Diagnostic) Error() string {
	var b strings.Builder
	b.WriteString(d.Pos.String())
	b.WriteString(": ")
	if d.Address != "" {
		b.WriteString(d.Address)
		b.WriteString(": ")
	}
	b.WriteString(d.Summary)
	if d.Detail != "" {
		b.WriteString("\n    ")
		b.WriteString(d.Detail)
	}
	return b.String()
}

// Errorf returns a Diagnostic for resource r.
func Errorf(r *Common, detail string, format string, args ...any) *Diagnostic {
	return &Diagnostic{Pos: r.Pos, Address: r.Address(), Summary: fmt.Sprintf(format, args...), Detail: detail}
}
