package cli

import (
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/recipe"
)

// DocOptions are the flags of `converge doc`.
type DocOptions struct {
	IO            *IO
	Kind          string
	Format        string
	CookbookPaths []string
}

// NewCmdDoc is `converge doc [KIND]`: the reference of the built-in kinds
// and of the custom kinds of the cookbook path.
func NewCmdDoc(io *IO, runF func(*DocOptions) error) *cobra.Command {
	opts := &DocOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "doc [KIND]",
		Short: "Show the reference of resource kinds: properties, types, defaults, actions",
		Long: `doc prints the reference of one resource kind, or of every kind: the built-in
ones and the custom kinds (resources/NAME.star) of the cookbooks in the
cookbook path. --format md writes Markdown, for a cookbook's README.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Kind = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return docRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Format, "format", "text", "text or md")
	f.StringArrayVar(&opts.CookbookPaths, "cookbook-path", cookbookPathDefault(), "directory of cookbooks (repeatable)")
	return cmd
}

func docRun(opts *DocOptions) error {
	if opts.Format != "text" && opts.Format != "md" {
		return usageErr("--format %q: want text or md", opts.Format)
	}
	kinds := engine.Kinds()
	paths, err := withVendored(opts.CookbookPaths)
	if err != nil {
		return err
	}
	repo, err := recipe.LoadRepo(paths)
	if err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	custom, err := repo.CustomKinds()
	if err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	kinds = append(kinds, custom...)
	if opts.Kind != "" {
		i := slices.IndexFunc(kinds, func(k *engine.Kind) bool { return k.Name == opts.Kind })
		if i < 0 {
			var names []string
			for _, k := range kinds {
				names = append(names, k.Name)
			}
			return usageErr("no resource kind %q; kinds: %s", opts.Kind, strings.Join(names, ", "))
		}
		kinds = kinds[i : i+1]
	}
	for i, k := range kinds {
		if i > 0 {
			fmt.Fprintln(opts.IO.Out)
		}
		writeKindDoc(opts.IO.Out, k, opts.Format == "md")
	}
	return nil
}

// typeName is how the reference shows a property's type.
func typeName(p engine.Property) string {
	if p.TypeName != "" {
		return p.TypeName
	}
	if p.Mode {
		return "mode"
	}
	if p.Account && p.Type.Kind() == reflect.String {
		return "str or int"
	}
	switch p.Type.Kind() {
	case reflect.String:
		return "str"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int64:
		return "int"
	case reflect.Slice:
		return "list"
	case reflect.Map:
		return "dict"
	}
	return "any"
}

func writeKindDoc(w io.Writer, k *engine.Kind, md bool) {
	from := "built-in"
	if k.Cookbook != "" {
		from = "cookbook " + k.Cookbook
	}
	props := k.Properties()
	notes := func(p engine.Property) string {
		var n []string
		if p.IsName {
			n = append(n, "name property")
		}
		if p.Required {
			n = append(n, "required")
		}
		if p.Default != "" {
			n = append(n, "default "+p.Default)
		}
		if p.Sensitive {
			n = append(n, "sensitive")
		}
		if p.NoDesiredState {
			n = append(n, "not compared")
		}
		return strings.Join(n, ", ")
	}
	actions := append([]string{}, k.Actions...)
	if !slices.Contains(actions, "nothing") {
		actions = append(actions, "nothing")
	}
	if md {
		fmt.Fprintf(w, "## %s\n\n%s (%s)\n\n", k.Name, k.Doc, from)
		fmt.Fprintf(w, "| property | type | | description |\n|---|---|---|---|\n")
		for _, p := range props {
			fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", p.Name, typeName(p), notes(p), p.Doc)
		}
		fmt.Fprintf(w, "\nActions (the first is the default):\n\n")
		for _, a := range actions {
			fmt.Fprintf(w, "- `%s`%s\n", a, actionDoc(k, a, ": "))
		}
		return
	}
	fmt.Fprintf(w, "%s — %s (%s)\n\nProperties:\n", k.Name, k.Doc, from)
	for _, p := range props {
		n := notes(p)
		if n != "" {
			n = " (" + n + ")"
		}
		fmt.Fprintf(w, "  %-20s %-5s %s%s\n", p.Name, typeName(p), p.Doc, n)
	}
	fmt.Fprintf(w, "  common: %s\n\nActions (the first is the default):\n", strings.Join(engine.CommonProps, ", "))
	for _, a := range actions {
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("  %-10s%s", a, actionDoc(k, a, "")), " "))
	}
}

func actionDoc(k *engine.Kind, a, sep string) string {
	if a == "nothing" {
		return sep + "Does nothing; runs only when notified of another action."
	}
	if d := k.ActionDocs[a]; d != "" {
		return sep + d
	}
	return ""
}
