package migrate

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Todo is one construct that was not translated and needs a person.
type Todo struct {
	File      string // source file, relative to the migrated directory's parent (cookbook/recipes/default.rb)
	Line      int    // 1-based line in File; 0 when the whole file is concerned
	Construct string // what was found ("ruby_block", "search", "<%= x.map ... %>")
	Why       string // why it was not translated and what to do instead
}

func (t Todo) String() string {
	loc := t.File
	if t.Line > 0 {
		loc = fmt.Sprintf("%s:%d", t.File, t.Line)
	}
	return fmt.Sprintf("%s: %s: %s", loc, t.Construct, t.Why)
}

// Report says what a migration wrote and what it could not translate.
type Report struct {
	Cookbooks []string // names of the cookbooks written
	Nodes     []string // node files written
	Roles     []string // role files written
	// DataBags are the data bags written, "BAG (N)" with N items;
	// Environments the environment files.
	DataBags     []string
	Environments []string
	// Encrypted are the Chef encrypted data bag items left out.
	Encrypted []EncryptedItem
	Todos     []Todo   // every construct left for a person, in source order
	Warnings  []string // what the migration assumed (a cookbook without metadata.rb ...)
	// Notes are facts worth a look that need no change, such as an
	// attribute read that nothing sets (perhaps a misspelt name).
	Notes     []string
	Summaries []CookbookSummary

	// libs are the library helpers of every cookbook migrated that
	// translate, by cookbook (deplib.go): a cookbook calls those of the
	// cookbooks it depends on.
	libs map[string]map[string]*helper
	// kinds are the custom kinds of every cookbook migrated, by the name
	// Chef recipes use (custom.go).
	kinds map[string]*crKind
	// cbAttrs are the attributes each cookbook migrated sets, cbDeps the
	// cookbooks its metadata depends on, by cookbook (knownattrs.go): a
	// cookbook reads those of the others too.
	cbAttrs map[string]knownAttrs
	cbDeps  map[string][]string
	// names are the test cookbooks migrated under another name than
	// their own, by cleaned directory (testnames.go).
	names map[string]string
	// testOf is the cookbook each test cookbook migrated is the test
	// cookbook of, by cleaned directory.
	testOf map[string]string
}

// nameOf is the name the cookbook in dir is migrated as.
func (r *Report) nameOf(dir string) string {
	if n, ok := r.names[filepath.Clean(dir)]; ok {
		return n
	}
	return cookbookName(dir)
}

// CookbookSummary is what MIGRATION.md says of one cookbook.
type CookbookSummary struct {
	Name      string
	Resources map[string]int // resources translated, by kind
	Helpers   []string       // library methods translated to libraries/*.star functions
	Todos     []Todo         // what needs a hand, in source order
	// Kinds lists the custom resources, LWRPs and definitions written as
	// converge custom resources.
	Kinds []string
	// TestCookbooks are the cookbooks of test/cookbooks and
	// test/fixtures/cookbooks migrated with it.
	TestCookbooks []string
	// TestOf is the cookbook this one is a test cookbook of.
	TestOf string
}

// constructCount is a construct that needed a hand and how often.
type constructCount struct {
	construct string
	n         int
}

// handRanking ranks the constructs of todos by count, then name.
func handRanking(todos []Todo) []constructCount {
	n := map[string]int{}
	for _, t := range todos {
		n[t.Construct]++
	}
	out := make([]constructCount, 0, len(n))
	for c, k := range n {
		out = append(out, constructCount{c, k})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].construct < out[j].construct
	})
	return out
}

// Complete reports whether everything was translated.
func (r Report) Complete() bool { return len(r.Todos) == 0 }

func (r *Report) sortTodos() {
	sort.SliceStable(r.Todos, func(i, j int) bool {
		if r.Todos[i].File != r.Todos[j].File {
			return r.Todos[i].File < r.Todos[j].File
		}
		return r.Todos[i].Line < r.Todos[j].Line
	})
}

// markdown renders MIGRATION.md.
func (r Report) markdown() string {
	var b strings.Builder
	b.WriteString("# Migration from Chef\n\n")
	b.WriteString("Written by `converge migrate`.\n\n")
	if len(r.Cookbooks) > 0 {
		b.WriteString("Cookbooks: " + strings.Join(r.Cookbooks, ", ") + "\n")
	}
	if len(r.Nodes) > 0 {
		b.WriteString("Nodes: " + strings.Join(r.Nodes, ", ") + "\n")
	}
	if len(r.Roles) > 0 {
		b.WriteString("Roles: " + strings.Join(r.Roles, ", ") + "\n")
	}
	r.teamDataSummary(&b)
	if len(r.Warnings) > 0 {
		b.WriteString("\n## Warnings\n\n")
		for _, w := range r.Warnings {
			b.WriteString("- " + mdEscape(w) + "\n")
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n## Notes\n\n")
		for _, n := range r.Notes {
			b.WriteString("- " + mdEscape(n) + "\n")
		}
	}
	for _, s := range r.Summaries {
		fmt.Fprintf(&b, "\n## Cookbook %s\n\n", s.Name)
		total := 0
		var kinds []string
		for _, k := range sortedKeys(s.Resources) {
			total += s.Resources[k]
			kinds = append(kinds, fmt.Sprintf("%s %d", k, s.Resources[k]))
		}
		fmt.Fprintf(&b, "- Resources translated: %d", total)
		if total > 0 {
			b.WriteString(" (" + strings.Join(kinds, ", ") + ")")
		}
		b.WriteString("\n")
		if len(s.Helpers) > 0 {
			fmt.Fprintf(&b, "- Library methods translated to Starlark functions: %d (%s)\n", len(s.Helpers), mdEscape(strings.Join(s.Helpers, ", ")))
		}
		if s.TestOf != "" {
			fmt.Fprintf(&b, "- A test cookbook of %s (from its test/ folder), migrated with it\n", s.TestOf)
		}
		for _, k := range s.Kinds {
			b.WriteString("- Kind: " + mdEscape(k) + "\n")
		}
		if len(s.TestCookbooks) > 0 {
			b.WriteString("- Test cookbooks migrated with it: " + strings.Join(s.TestCookbooks, ", ") + "\n")
		}
		fmt.Fprintf(&b, "- TODOs: %d\n", len(s.Todos))
		if len(s.Todos) > 0 {
			b.WriteString("- Constructs that needed a hand, most frequent first:\n")
			for _, c := range handRanking(s.Todos) {
				fmt.Fprintf(&b, "  - %s: %d\n", mdEscape(c.construct), c.n)
			}
		}
	}
	r.encryptedMarkdown(&b)
	b.WriteString("\n## Needs a hand\n\n")
	if len(r.Todos) == 0 {
		b.WriteString("Nothing: everything translated.\n")
		return b.String()
	}
	if len(r.Todos) == 1 {
		b.WriteString("1 construct was not translated. It has a `TODO(migrate)` marker at its place in the output, which `converge check` and runs refuse until it is translated by hand (or `--allow-todo`).\n\n")
	} else {
		fmt.Fprintf(&b, "%d constructs were not translated. Each one has a `TODO(migrate)` marker at its place in the output, which `converge check` and runs refuse until it is translated by hand (or `--allow-todo`).\n\n", len(r.Todos))
	}
	for _, t := range r.Todos {
		b.WriteString("- " + mdEscape(t.String()) + "\n")
	}
	return b.String()
}

func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "<", "&lt;")
}
