package share

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseSources(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // Source formatted by fmtSource
		err        string
	}{
		{
			name: "flow and block entries with comments",
			text: `# shared cookbooks
cookbooks:
  drbd: {git: /srv/git/drbd.git, tag: v1.2.0}   # the platform team's
  pacemaker_base: {git: "https://git.example.com/pm.git", version: "~> 1.2"}
  local_thing: {path: ../local_thing}

  corosync:
    git: git@git.example.com:platform/corosync.git
    branch: main
  hotfix:
    git: 'ssh://git.example.com/ops/hotfix.git'
    commit: 3f1c2a9
    # a comment between fields
  ranged:
    git: ../ranged.git
    version: ">= 1.2, < 2"
`,
			want: []string{
				"corosync git=git@git.example.com:platform/corosync.git branch=main line=7",
				"drbd git=/srv/git/drbd.git tag=v1.2.0 line=3",
				"hotfix git=ssh://git.example.com/ops/hotfix.git commit=3f1c2a9 line=10",
				"local_thing path=../local_thing line=5",
				"pacemaker_base git=https://git.example.com/pm.git version=~> 1.2 line=4",
				"ranged git=../ranged.git version=>= 1.2, < 2 line=14",
			},
		},
		{
			name: "json",
			text: `{"cookbooks": {"drbd": {"git": "/srv/drbd.git", "version": ">= 1.0"}}}`,
			want: []string{"drbd git=/srv/drbd.git version=>= 1.0 line=1"},
		},
		{
			name: "anchors, aliases and merge keys",
			text: `x-platform: &platform
  git: https://git.example.com/platform/mono.git
  branch: main
cookbooks:
  drbd:
    <<: *platform
  corosync:
    <<: *platform
    branch: stable   # a key of the entry wins over the merged one
  pinned: &pin {git: ../pinned.git, tag: v1.0.0}
  pinned_too: *pin
`,
			want: []string{
				"corosync git=https://git.example.com/platform/mono.git branch=stable line=7",
				"drbd git=https://git.example.com/platform/mono.git branch=main line=5",
				"pinned git=../pinned.git tag=v1.0.0 line=10",
				"pinned_too git=../pinned.git tag=v1.0.0 line=11",
			},
		},
		{
			name: "version as a block list and a flow list",
			text: `cookbooks:
  block:
    git: ../block.git
    version:
      - ">= 1.2"   # the first release with the new API
      - "< 2"
  flow: {git: ../flow.git, version: [">= 1.0", "< 1.5"]}
  numbers: {git: ../numbers.git, tag: 1.10}
`,
			want: []string{
				"block git=../block.git version=>= 1.2, < 2 line=2",
				"flow git=../flow.git version=>= 1.0, < 1.5 line=7",
				"numbers git=../numbers.git tag=1.10 line=8",
			},
		},
		{
			name: "block style quoting and document marker",
			text: "---\ncookbooks:\n  drbd:\n    git: \"ssh://git@example.com:2222/drbd.git\" # quoted\n    commit: '3f1c2a9'\n",
			want: []string{"drbd git=ssh://git@example.com:2222/drbd.git commit=3f1c2a9 line=3"},
		},
		{name: "empty file", text: "# nothing shared yet\n", want: []string{}},
		{name: "empty cookbooks", text: "cookbooks:\n", want: []string{}},
		{name: "unknown top-level key", text: "sources:\n  drbd: {git: x}\n", err: `converge.yaml:1: unknown top-level key "sources"`},
		{name: "unknown field", text: "cookbooks:\n  drbd: {git: x, rev: v1}\n", err: `converge.yaml:2: cookbook drbd: unknown field "rev"; a cookbook takes git, tag, branch, commit, version, path`},
		{name: "unknown field on its own line", text: "cookbooks:\n  drbd:\n    git: x\n\n    rev: v1\n", err: `converge.yaml:5: cookbook drbd: unknown field "rev"`},
		{name: "unquoted indicator", text: "cookbooks:\n  drbd:\n    git: x\n    version: >= 1.2\n", err: `converge.yaml:4: value >= 1.2 must be quoted, for example ">= 1.2"`},
		{name: "neither git nor path", text: "cookbooks:\n  drbd: {tag: v1}\n", err: "converge.yaml:2: cookbook drbd: give git: URL or path: DIR"},
		{name: "both git and path", text: "cookbooks:\n  drbd: {git: x, path: y}\n", err: "give git: or path:, not both"},
		{name: "two pins", text: "cookbooks:\n  drbd: {git: x, tag: v1, branch: main}\n", err: "give at most one of tag, branch and commit"},
		{name: "pin on a path", text: "cookbooks:\n  drbd: {path: x, tag: v1}\n", err: "tag, branch and commit go with git:, not path:"},
		{name: "bad constraint", text: "cookbooks:\n  drbd: {git: x, version: \"=> 1\"}\n", err: `converge.yaml:2: cookbook drbd: version: constraint "=> 1"`},
		{name: "listed twice", text: "cookbooks:\n  drbd: {git: x}\n  drbd: {git: y}\n", err: "converge.yaml:3: cookbook drbd is listed twice"},
		{name: "field twice", text: "cookbooks:\n  drbd:\n    git: x\n    git: y\n", err: "converge.yaml:4: cookbook drbd: git is given twice"},
		{name: "tabs", text: "cookbooks:\n\tdrbd: {git: x}\n", err: "converge.yaml:2: found character that cannot start any token (indent with spaces, not tabs)"},
		{name: "bad indentation", text: "cookbooks:\n  drbd:\n    git: x\n      tag: y\n", err: "converge.yaml:4: mapping values are not allowed in this context (check the indentation"},
		{name: "not a mapping", text: "cookbooks:\n  drbd: /srv/drbd.git\n", err: "converge.yaml:2: cookbook drbd: want {git: URL, tag: TAG}"},
		{name: "cookbooks as a list", text: "cookbooks:\n  - drbd\n", err: "converge.yaml:2: cookbooks: takes a mapping"},
		{name: "list where a value goes", text: "cookbooks:\n  drbd:\n    git:\n      - a\n      - b\n", err: "converge.yaml:4: cookbook drbd: git: want a single value (only version: takes a list)"},
		{name: "empty value", text: "cookbooks:\n  drbd:\n    git:\n", err: "converge.yaml:3: cookbook drbd: git: empty value"},
		{name: "unterminated quote", text: "cookbooks:\n  drbd: {git: \"x}\n", err: "converge.yaml:2: found unexpected end of stream"},
		{name: "unknown alias", text: "cookbooks:\n  drbd: *nothing\n", err: `converge.yaml:2: unknown anchor "nothing": define it with &nothing before the alias *nothing`},
		{name: "bad json", text: `{"cookbooks": {"drbd": {"git": ["x"]}}}`, err: "converge.yaml:1: cookbook drbd: git: want a single value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srcs, err := ParseSources([]byte(tt.text))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range srcs {
				got = append(got, fmtSource(s))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func fmtSource(s *Source) string {
	out := s.Name
	for _, f := range []struct{ k, v string }{{"git", s.Git}, {"path", s.Path}, {"tag", s.Tag}, {"branch", s.Branch}, {"commit", s.Commit}, {"version", s.Version}} {
		if f.v != "" {
			out += " " + f.k + "=" + f.v
		}
	}
	return out + fmt.Sprintf(" line=%d", s.Line)
}

func TestManifest_HashAndDiff(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"metadata.star": "name = 'x'\n", "recipes/default.star": "", ".git/HEAD": "ignored"})
	m, err := ReadTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 2 {
		t.Fatalf("tree %v, want two files (.git skipped)", m)
	}
	h := m.Hash()
	if h2, _ := ContentHash(dir); h2 != h || !strings.HasPrefix(h, "sha256:") {
		t.Fatalf("hash %s vs %s", h, h2)
	}
	writeFiles(t, dir, map[string]string{"recipes/default.star": "# changed\n", "files/new": ""})
	now, _ := ReadTree(dir)
	if now.Hash() == h {
		t.Fatal("hash did not change with the content")
	}
	if d := strings.Join(m.Diff(now), ", "); d != "added files/new, changed recipes/default.star" {
		t.Errorf("diff %q", d)
	}
	// The listing separates path from digest: they cannot trade bytes.
	a, b := Manifest{"ab": "c"}, Manifest{"a": "bc"}
	if a.Hash() == b.Hash() {
		t.Error("different listings hash the same")
	}
}
