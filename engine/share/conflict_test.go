package share

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// release is one published version of a cookbook and what it depends on.
type release struct {
	version string
	depends map[string]string
}

// TestResolve_ConflictNamesEveryConstraintWithItsChain: a conflict names
// every constraint on the conflicting cookbook, each with the chain (and
// the versions on it) that imposes it and the converge.yaml pins that
// chose those versions, the versions that exist, and what to relax; a
// constraint that fails only once the resolver has backtracked is
// reported, not the first dead end, and the other real dead ends are
// listed. URL stands for the remote of the conflicting cookbook.
func TestResolve_ConflictNamesEveryConstraintWithItsChain(t *testing.T) {
	base := []release{{"1.0.0", nil}, {"1.1.0", nil}, {"2.0.0", nil}}
	cases := []struct {
		name    string
		remotes map[string][]release
		yaml    map[string]string // extra converge.yaml keys per cookbook: `version: ">= 1.1"`
		local   map[string]map[string]string
		want    []string
		wantNot []string
	}{
		{
			name: "pinned right against left",
			remotes: map[string][]release{
				"base": base,
				"left": {{"1.2.0", map[string]string{"base": "~> 1.0"}}},
				// right 1.0.0 would do; converge.yaml's pin rules it out.
				"right": {{"1.0.0", map[string]string{"base": "~> 1.0"}}, {"1.1.0", map[string]string{"base": ">= 2.0"}}},
			},
			yaml: map[string]string{"right": `version: ">= 1.1"`},
			want: []string{
				"base: no version satisfies all of: ~> 1.0 (converge.yaml → left 1.2.0), >= 2.0 (converge.yaml → right 1.1.0; pinned in converge.yaml: right >= 1.1); versions available in git:URL: 1.0.0, 1.1.0, 2.0.0\n",
				"to fix: relax one of these constraints (base ~> 1.0 in the metadata.star of left 1.2.0; base >= 2.0 in the metadata.star of right 1.1.0; right >= 1.1 in converge.yaml, to let right take another version), or publish a version of base that satisfies them all",
			},
			wantNot: []string{"also tried"},
		},
		{
			name: "only after backtracking",
			remotes: map[string][]release{
				"base": base,
				// left 2.0.0 is tried first and fails on its own; left
				// 1.2.0 then conflicts with right, once base is
				// backtracked from 2.0.0.
				"left":  {{"1.2.0", map[string]string{"base": "~> 1.0"}}, {"2.0.0", map[string]string{"base": ">= 3.0"}}},
				"right": {{"1.1.0", map[string]string{"base": ">= 2.0"}}},
			},
			want: []string{
				"base: no version satisfies all of: ~> 1.0 (converge.yaml → left 1.2.0), >= 2.0 (converge.yaml → right 1.1.0); versions available in git:URL: 1.0.0, 1.1.0, 2.0.0\n",
				"\nalso tried: base: no version satisfies >= 3.0 (converge.yaml → left 2.0.0)\n",
				"to fix: relax one of these constraints (base ~> 1.0 in the metadata.star of left 1.2.0; base >= 2.0 in the metadata.star of right 1.1.0), or publish",
			},
		},
		{
			name: "the repository's own cookbook and a pin on the cookbook itself",
			remotes: map[string][]release{
				"base":  base,
				"right": {{"1.1.0", map[string]string{"base": ">= 1.1"}}},
			},
			yaml:  map[string]string{"base": `version: "< 2.0"`},
			local: map[string]map[string]string{"app": {"base": "~> 2.0", "right": ">= 1.0"}},
			want: []string{
				"base: no version satisfies all of: < 2.0 (converge.yaml), >= 1.1 (converge.yaml → right 1.1.0), ~> 2.0 (cookbooks/app); versions available in git:URL: 1.0.0, 1.1.0, 2.0.0\n",
				"(base < 2.0 in converge.yaml; base >= 1.1 in the metadata.star of right 1.1.0; base ~> 2.0 in cookbooks/app/metadata.star)",
			},
			wantNot: []string{"also tried", "pinned"},
		},
		{
			name: "one constraint no version satisfies",
			remotes: map[string][]release{
				"base": base,
				"left": {{"1.0.0", map[string]string{"base": ">= 3.0"}}},
			},
			want: []string{
				"base: no version satisfies >= 3.0 (converge.yaml → left 1.0.0); versions available in git:URL: 1.0.0, 1.1.0, 2.0.0\n",
				"(base >= 3.0 in the metadata.star of left 1.0.0), or publish a version of base that satisfies them all",
			},
			wantNot: []string{"also tried", "all of"},
		},
		{
			name:    "no version at all",
			remotes: map[string][]release{"base": nil},
			want: []string{
				"base: no version to choose from; versions available in git:URL: none (no tag like v1.2.0 or 1.2.0)\n",
				"to fix: publish a version of base (a tag like v1.0.0), or name a branch or commit in its converge.yaml entry",
			},
			wantNot: []string{"relax"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gitEnv(t)
			root := t.TempDir()
			var names []string
			urls := map[string]string{}
			for name, rels := range tc.remotes {
				r := newRemote(t, root, name)
				for _, rel := range rels {
					r.publish(rel.version, rel.depends, nil)
				}
				urls[name] = r.URL
				names = append(names, name)
			}
			sort.Strings(names)
			var entries []string
			for _, n := range names {
				extra := ""
				if y := tc.yaml[n]; y != "" {
					extra = ", " + y
				}
				entries = append(entries, n+": {git: "+urls[n]+extra+"}")
			}
			repo := filepath.Join(root, "app-repo")
			sourcesYAML(t, repo, entries...)
			for n, deps := range tc.local {
				writeFiles(t, repo, map[string]string{"cookbooks/" + n + "/metadata.star": metadata(n, "0.1.0", deps)})
			}
			_, err := Install(repo)
			var ce *ConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("want a ConflictError, got %v", err)
			}
			msg := strings.ReplaceAll(err.Error(), urls[ce.Cookbook], "URL")
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(msg, w) {
					t.Errorf("error has %q:\n%s", w, msg)
				}
			}
			if _, err := os.Stat(filepath.Join(repo, LockFile)); !os.IsNotExist(err) {
				t.Error("a failed install wrote converge.lock")
			}
		})
	}
}
