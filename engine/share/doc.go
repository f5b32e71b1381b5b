// Package share resolves shared cookbooks: teams publish cookbooks in their
// own git repositories, and a repository that uses them names where each
// comes from, pins what it resolved, and vendors exactly that.
//
// # Files
//
// converge.yaml, at the repository root, names every shared cookbook
// (including the dependencies of shared cookbooks) and where it comes from:
//
//	cookbooks:
//	  drbd: {git: https://git.example.com/platform/drbd.git, version: "~> 1.2"}
//	  pacemaker_base: {git: ../platform/pacemaker_base.git, tag: v1.2.0}
//	  corosync: {git: https://git.example.com/platform/corosync.git, branch: main}
//	  hotfix: {git: https://git.example.com/ops/hotfix.git, commit: 3f1c2a9...}
//	  local_thing: {path: ../local_thing}
//	  verbose_form:
//	    git: https://git.example.com/platform/verbose_form.git
//	    version: ">= 1.2, < 2"
//
// The file is YAML, read with go.yaml.in/yaml/v3: one top-level key,
// cookbooks:, whose entries are mappings written in flow style
// ({key: value, ...}) or on indented lines. Comments, quoting, anchors and
// aliases (&name, *name) and merge keys (<<: *name) work as in any YAML;
// top-level keys named x-NAME are ignored, a place for the anchors entries
// merge:
//
//	x-platform: &platform {git: https://git.example.com/platform/mono.git, branch: main}
//	cookbooks:
//	  drbd: {<<: *platform}
//	  corosync:
//	    <<: *platform
//	    branch: stable
//	    version:
//	      - ">= 1.2"
//	      - "< 2"
//
// version: takes one constraint string or a list of constraints, which all
// apply; every other field takes one value. A value that starts with a
// YAML indicator (">", "!", "*", ...) must be quoted. Errors name
// converge.yaml:LINE. A JSON object of the same shape ({"cookbooks":
// {"drbd": {"git": "..."}}}) is YAML too.
//
// An entry takes git: or path:. With git:, at most one of tag:, branch:
// and commit: pins it; without a pin its versions are the repository's
// tags named vX.Y.Z or X.Y.Z (pre-release tags are not offered), and
// version: constrains which of them may be chosen. Relative git: and path:
// values are relative to the repository root.
//
// converge.lock (JSON, keys sorted, one field per line) records, per
// cookbook, the version, the source, the ref and commit it came from, the
// converge.yaml entry it was resolved from, and the content hash of the
// vendored copy (see Manifest.Hash). The vendored copies live in
// .converge/cookbooks/NAME; git's fetched objects are cached in
// .converge/cache/git; per-file digests kept in .converge/manifests only
// explain a mismatch.
//
// # Resolution
//
// The roots are every converge.yaml entry and every cookbook of the
// repository's own cookbooks/ directory (which wins over a converge.yaml
// entry of the same name and is never vendored). Each cookbook's
// metadata.star depends are constraints on other cookbooks; the resolver
// walks them transitively and picks, for each cookbook, the newest version
// that satisfies every constraint on it, backtracking when a choice leaves
// another cookbook without one. A diamond thus resolves to one version.
// When nothing fits, the error names the cookbook, every constraint on it
// with the chain that imposes it (with the versions chosen on the way and
// the converge.yaml pins that chose them), the versions that exist, and
// what to relax:
//
//	base: no version satisfies all of: ~> 1.0 (converge.yaml → left 1.2.0), >= 2.0 (converge.yaml → right 1.1.0; pinned in converge.yaml: right >= 1.1); versions available in git:URL: 1.0.0, 1.1.0, 2.0.0
//	to fix: relax one of these constraints (base ~> 1.0 in the metadata.star of left 1.2.0; ...), or publish a version of base that satisfies them all
//
// The conflict reported is one of the search's dead ends that no version
// could satisfy whatever else was chosen, with the most constraints; a
// dead end met only while backtracking is reported as such, and the other
// real dead ends follow on "also tried:" lines.
//
// Candidates are listed with git ls-remote; only the commits whose
// metadata.star the resolver reads, and those vendored, are fetched (with
// depth 1), and vendoring is git archive of the chosen commit.
//
// # Promises
//
// Install with a lock that still fits converge.yaml, and vendored copies
// that match it, runs no git command. Update moves only the named
// cookbooks. Verify, which every run calls when converge.lock exists,
// refuses vendored content that does not match the lock and says how to
// fix it.
package share
