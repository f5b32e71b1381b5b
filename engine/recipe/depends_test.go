package recipe_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
)

func TestCompile_DependsConstraintChecksTheFoundVersion(t *testing.T) {
	tests := []struct {
		name, depends, version, err string
	}{
		{"allowed", `{"drbd": "~> 1.2"}`, "1.4.0", ""},
		{"any version", `{"drbd": ""}`, "9.0.0", ""},
		{"list form", `["drbd"]`, "0.1.0", ""},
		{"unversioned counts as 0.0.0", `{"drbd": ">= 0"}`, "", ""},
		{"too new", `{"drbd": "~> 1.2"}`, "2.0.0",
			"cookbook web depends on drbd ~> 1.2, but the drbd found in COOKBOOKS/drbd is version 2.0.0; run 'converge cookbooks update drbd' (or install) to fetch an allowed version, or change the constraint in COOKBOOKS/web/metadata.star"},
		{"unversioned is too old", `{"drbd": ">= 1"}`, "", "is version 0.0.0"},
		{"bad constraint", `{"drbd": "=> 1"}`, "1.0.0", `COOKBOOKS/web/metadata.star: depends on drbd: constraint "=> 1"`},
		{"bad version", `{"drbd": ">= 1"}`, "1.x", `COOKBOOKS/drbd/metadata.star: version "1.x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "cookbooks")
			files := map[string]string{
				"web/metadata.star":         "name = \"web\"\nversion = \"1.0.0\"\ndepends = " + tt.depends + "\n",
				"web/recipes/default.star":  "include_recipe(\"drbd\")\n",
				"drbd/metadata.star":        "name = \"drbd\"\n",
				"drbd/recipes/default.star": "\n",
			}
			if tt.version != "" {
				files["drbd/metadata.star"] += "version = \"" + tt.version + "\"\n"
			}
			for name, body := range files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			repo, err := recipe.LoadRepo([]string{dir})
			if err != nil {
				t.Fatal(err)
			}
			f, err := facts.ForPlatform("debian-12")
			if err != nil {
				t.Fatal(err)
			}
			_, err = repo.Compile(recipe.Input{Name: "n1", Facts: f, RunList: []string{"web"}})
			want := strings.ReplaceAll(tt.err, "COOKBOOKS", dir)
			switch {
			case want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
				t.Fatalf("error = %v\nwant one containing %q", err, want)
			}
		})
	}
}
