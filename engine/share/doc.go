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
// The file is a small subset of YAML that converge parses itself: one
// top-level key, cookbooks:, whose entries are either a flow mapping
// {key: value, ...} on one line or the same keys on indented lines.
// Values are plain or quoted scalars; a value that starts with a YAML
// indicator (">", "!", "*", ...) or holds a comma inside {...} must be
// quoted. "#" starts a comment. A JSON object of the same shape
// ({"cookbooks": {"drbd": {"git": "..."}}}) is accepted too.
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
// with the chain that imposes it, and the versions that exist.
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
