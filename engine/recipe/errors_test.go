package recipe_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/recipe"
)

// TestCompile_ErrorsNameFileAndLine compiles each recipe of the cookbook
// testdata/recipes/errors/cookbooks/errs, one per run, and checks the
// errors Compile returns against the `### "regexp"` comments in the case
// (go.starlark.net starlark/testdata style):
//
//   - every annotated line has one error that names FILE:LINE and matches
//     the regexp (a Go string literal, usually back-quoted; matched with
//     (?s) off, so \n marks the detail line);
//   - there are no other errors;
//   - a case whose error sits in a library (libraries/CASE_*.star) carries
//     its annotation there.
//
// Compile returning the errors is what makes them known before any node
// is changed: there is no collection to converge.
func TestCompile_ErrorsNameFileAndLine(t *testing.T) {
	root := testdataDir(t, "errors")
	repo := loadRepo(t, root)
	cb := filepath.Join(root, "cookbooks", "errs")
	cases, err := filepath.Glob(filepath.Join(cb, "recipes", "*.star"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no cases in %s: %v", cb, err)
	}
	for _, file := range cases {
		name := strings.TrimSuffix(filepath.Base(file), ".star")
		t.Run(name, func(t *testing.T) {
			want := expectations(t, file)
			libs, _ := filepath.Glob(filepath.Join(cb, "libraries", name+"_*.star"))
			for _, l := range libs {
				want = append(want, expectations(t, l)...)
			}
			if len(want) == 0 {
				t.Fatalf("%s: no ### annotation", file)
			}
			coll, err := repo.Compile(recipe.Input{Name: "db1", Facts: centos7(), RunList: []string{"errs::" + name}})
			if err == nil {
				t.Fatalf("Compile succeeded with %d resources; want errors %v", len(coll.Resources), want)
			}
			if coll != nil {
				t.Errorf("Compile returned a collection along with its errors")
			}
			got := diagnostics(err)
			used := make([]bool, len(got))
			for _, w := range want {
				at := regexp.MustCompile(regexp.QuoteMeta(fmt.Sprintf("%s:%d", w.file, w.line)) + `(:\d+)?: `)
				found := false
				for i, g := range got {
					if !used[i] && at.MatchString(g.Error()) && w.re.MatchString(g.Error()) {
						used[i], found = true, true
						break
					}
				}
				if !found {
					t.Errorf("want an error at %s:%d matching %s; got:\n%v", filepath.Base(w.file), w.line, w.re, err)
				}
			}
			for i, g := range got {
				if !used[i] {
					t.Errorf("unexpected error: %v", g)
				}
			}
		})
	}
}

type expectation struct {
	file string
	line int
	re   *regexp.Regexp
}

var annotationRe = regexp.MustCompile(`###\s*(.+)$`)

// expectations reads the ### "regexp" annotations of file.
func expectations(t *testing.T, file string) []expectation {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []expectation
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		m := annotationRe.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		pat, err := strconv.Unquote(strings.TrimSpace(m[1]))
		if err != nil {
			t.Fatalf("%s:%d: annotation %s is not a Go string literal: %v", file, line, m[1], err)
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			t.Fatalf("%s:%d: %v", file, line, err)
		}
		out = append(out, expectation{file: file, line: line, re: re})
	}
	return out
}
