package migrate

import (
	"fmt"
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
	Todos     []Todo   // every construct left for a person, in source order
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
	b.WriteString("\n## Needs a hand\n\n")
	if len(r.Todos) == 0 {
		b.WriteString("Nothing: everything translated.\n")
		return b.String()
	}
	if len(r.Todos) == 1 {
		b.WriteString("1 construct was not translated. It has a `TODO(migrate)` comment at its place in the output.\n\n")
	} else {
		fmt.Fprintf(&b, "%d constructs were not translated. Each one has a `TODO(migrate)` comment at its place in the output.\n\n", len(r.Todos))
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
