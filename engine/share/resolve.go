package share

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/engine/share/semver"
)

// mode says which versions of a git cookbook the resolver may choose.
type mode int

const (
	free   mode = iota // every version, newest first
	prefer             // the locked version first, then the others
	held               // only the locked version
)

// candidate is one version of a cookbook the resolver may choose.
type candidate struct {
	version semver.Version
	// tagged is set when version comes from a tag name, known before the
	// metadata is read.
	tagged      bool
	ref, commit string
	// meta is read lazily: reading it may fetch the commit.
	meta *recipe.Cookbook
	// locked marks the candidate converge.lock names.
	locked bool
}

// pkg is what the resolver knows about one cookbook.
type pkg struct {
	name  string
	src   *Source          // nil for a cookbook of the repository's cookbooks/
	local *recipe.Cookbook // the repository's own cookbook, never vendored
	cands []*candidate
	held  bool
}

// label names the cookbook in a dependency chain.
func (p *pkg) label() string {
	if p.local != nil {
		return "cookbooks/" + p.name
	}
	return p.name
}

// Want is one constraint on a cookbook and the chain that imposes it.
type Want struct {
	// Chain is who asks, from the root, with the versions chosen on the
	// way: "converge.yaml → web 3.1.0" or "cookbooks/app".
	Chain      string
	Constraint string
	// By is where the constraint is declared: "converge.yaml", "web
	// 3.1.0" (its metadata.star) or "cookbooks/app".
	By string
	// Pins are the converge.yaml constraints on the cookbooks of the
	// chain, which chose their versions: "right >= 1.1".
	Pins []string
}

// ConflictError says that no version of a cookbook satisfies every
// constraint on it.
type ConflictError struct {
	Cookbook string
	// Wants are every constraint on the cookbook that takes part.
	Wants []Want
	// Available lists the versions that exist, lowest first.
	Available []string
	// Source is where the versions were looked up.
	Source string
	// Held is set when only the locked version could be considered.
	Held bool
	// Also are the other dead ends the resolver met while backtracking,
	// one line each.
	Also []string

	cons []semver.Constraint // of Wants, in order
	vers []semver.Version    // of Available
}

// summary is the conflict on one line: "base: no version satisfies all
// of: ~> 1.0 (converge.yaml → left 1.2.0), >= 2.0 (...)".
func (e *ConflictError) summary() string {
	var ws []string
	for _, w := range e.Wants {
		in := w.Chain
		if len(w.Pins) > 0 {
			in += "; pinned in converge.yaml: " + strings.Join(w.Pins, ", ")
		}
		ws = append(ws, fmt.Sprintf("%s (%s)", w.Constraint, in))
	}
	what := "no version satisfies all of: "
	switch len(ws) {
	case 0:
		return e.Cookbook + ": no version to choose from"
	case 1:
		what = "no version satisfies "
	}
	return e.Cookbook + ": " + what + strings.Join(ws, ", ")
}

func (e *ConflictError) Error() string {
	var b strings.Builder
	b.WriteString(e.summary())
	avail := strings.Join(e.Available, ", ")
	if avail == "" {
		avail = "none (no tag like v1.2.0 or 1.2.0)"
	}
	if e.Held {
		fmt.Fprintf(&b, "\n%s stays at its locked version %s while the named cookbooks update; name %s too (converge cookbooks update ... %s) to let it move", e.Cookbook, avail, e.Cookbook, e.Cookbook)
		return b.String()
	}
	b.WriteString("; versions available")
	if e.Source != "" {
		fmt.Fprintf(&b, " in %s", e.Source)
	}
	fmt.Fprintf(&b, ": %s", avail)
	for _, a := range e.Also {
		fmt.Fprintf(&b, "\nalso tried: %s", a)
	}
	var fixes []string
	seen := map[string]bool{}
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			fixes = append(fixes, f)
		}
	}
	for _, w := range e.Wants {
		switch {
		case w.By == SourcesFile:
			add(fmt.Sprintf("%s %s in %s", e.Cookbook, w.Constraint, SourcesFile))
		case strings.HasPrefix(w.By, "cookbooks/"):
			add(fmt.Sprintf("%s %s in %s/metadata.star", e.Cookbook, w.Constraint, w.By))
		default:
			add(fmt.Sprintf("%s %s in the metadata.star of %s", e.Cookbook, w.Constraint, w.By))
		}
		for _, p := range w.Pins {
			add(fmt.Sprintf("%s in %s, to let %s take another version", p, SourcesFile, strings.Fields(p)[0]))
		}
	}
	if len(fixes) == 0 {
		fmt.Fprintf(&b, "\nto fix: publish a version of %s (a tag like v1.0.0), or name a branch or commit in its %s entry", e.Cookbook, SourcesFile)
		return b.String()
	}
	fmt.Fprintf(&b, "\nto fix: relax one of these constraints (%s), or publish a version of %s that satisfies them all", strings.Join(fixes, "; "), e.Cookbook)
	return b.String()
}

// satisfiable reports whether one available version satisfies every
// constraint of e: when one does, e came from a choice made earlier in
// the search, not from the constraints alone.
func (e *ConflictError) satisfiable() bool {
	for _, v := range e.vers {
		ok := true
		for _, c := range e.cons {
			ok = ok && c.Allows(v)
		}
		if ok {
			return true
		}
	}
	return false
}

// key identifies a conflict by its cookbook and constraints.
func (e *ConflictError) key() string {
	var ws []string
	for _, w := range e.Wants {
		ws = append(ws, w.Constraint+"\x00"+w.Chain)
	}
	sort.Strings(ws)
	return e.Cookbook + "\x01" + strings.Join(ws, "\x01")
}

// subsetOf reports whether every want of e is one of o's.
func (e *ConflictError) subsetOf(o *ConflictError) bool {
	if e.Cookbook != o.Cookbook {
		return false
	}
	for _, w := range e.Wants {
		if !slices.ContainsFunc(o.Wants, func(x Want) bool { return x.Chain == w.Chain && x.Constraint == w.Constraint }) {
			return false
		}
	}
	return true
}

// req is one constraint on a cookbook.
type req struct {
	chain []string
	c     semver.Constraint
}

// state is a partial solution.
type state struct {
	chosen map[string]*candidate
	reqs   map[string][]req
	via    map[string][]string // the chain that first reached each cookbook
	queue  []string
}

func (s *state) clone() *state {
	n := &state{
		chosen: make(map[string]*candidate, len(s.chosen)),
		reqs:   make(map[string][]req, len(s.reqs)),
		via:    make(map[string][]string, len(s.via)),
		queue:  slices.Clone(s.queue),
	}
	for k, v := range s.chosen {
		n.chosen[k] = v
	}
	for k, v := range s.reqs {
		n.reqs[k] = slices.Clip(v)
	}
	for k, v := range s.via {
		n.via[k] = slices.Clip(v)
	}
	return n
}

func (s *state) allows(name string, v semver.Version) bool {
	for _, r := range s.reqs[name] {
		if !r.c.Allows(v) {
			return false
		}
	}
	return true
}

func (s *state) enqueue(name string, via []string) {
	if _, ok := s.via[name]; ok {
		return
	}
	s.via[name] = via
	s.queue = append(s.queue, name)
}

// resolver picks one version of every cookbook the roots reach.
type resolver struct {
	repoDir string
	git     *gitClient
	sources map[string]*Source
	locals  map[string]*recipe.Cookbook
	lock    *Lock
	modes   map[string]mode

	pkgs map[string]*pkg
	refs map[string]map[string]string // ls-remote, per URL
	// conflicts are the dead ends of the search, in the order met.
	conflicts []*ConflictError
}

// resolve returns the chosen candidate of every cookbook reached from the
// converge.yaml entries and the repository's own cookbooks.
func (r *resolver) resolve() (map[string]*candidate, error) {
	r.pkgs = map[string]*pkg{}
	if r.refs == nil {
		r.refs = map[string]map[string]string{}
	}
	st := &state{chosen: map[string]*candidate{}, reqs: map[string][]req{}, via: map[string][]string{}}
	for _, name := range sortedKeys(r.sources) {
		if r.locals[name] != nil {
			continue // the repository's own copy wins
		}
		c, err := semver.ParseConstraint(r.sources[name].Version)
		if err != nil {
			return nil, err
		}
		st.reqs[name] = append(st.reqs[name], req{chain: []string{SourcesFile}, c: c})
		st.enqueue(name, []string{SourcesFile})
	}
	for _, name := range sortedKeys(r.locals) {
		st.enqueue(name, nil)
	}
	r.conflicts = nil
	st, err := r.solve(st)
	var ce *ConflictError
	if errors.As(err, &ce) && len(r.conflicts) > 0 {
		return nil, r.explain()
	}
	if err != nil {
		return nil, err
	}
	return st.chosen, nil
}

// explain picks, among the dead ends of a failed search, the conflict to
// report: one that no available version could satisfy whatever else was
// chosen, with the most constraints; the other such dead ends are listed
// under it.
func (r *resolver) explain() error {
	better := func(c, best *ConflictError) bool {
		if c.satisfiable() != best.satisfiable() {
			return !c.satisfiable()
		}
		return len(c.Wants) > len(best.Wants)
	}
	best := r.conflicts[0]
	for _, c := range r.conflicts[1:] {
		if better(c, best) {
			best = c
		}
	}
	out := *best
	out.Also = nil
	seen := map[string]bool{best.key(): true}
	for _, c := range r.conflicts {
		if seen[c.key()] || c.satisfiable() || c.subsetOf(best) {
			continue
		}
		seen[c.key()] = true
		if len(out.Also) == 5 {
			out.Also = append(out.Also, "… and more")
			break
		}
		out.Also = append(out.Also, c.summary())
	}
	return &out
}

func (r *resolver) solve(st *state) (*state, error) {
	var name string
	for _, n := range st.queue {
		if st.chosen[n] == nil {
			name = n
			break
		}
	}
	if name == "" {
		return st, nil
	}
	p, err := r.pkg(name, st)
	if err != nil {
		return nil, err
	}
	var first error
	tried := 0
	for _, c := range p.cands {
		if c.tagged && !st.allows(name, c.version) {
			continue // skip without fetching
		}
		if err := r.load(p, c); err != nil {
			return nil, err
		}
		if !st.allows(name, c.version) {
			continue
		}
		tried++
		next, err := r.choose(st, p, c)
		if err == nil {
			next, err = r.solve(next)
		}
		if err == nil {
			return next, nil
		}
		var ce *ConflictError
		if !errors.As(err, &ce) {
			return nil, err
		}
		if first == nil {
			first = err // the newest candidate's failure explains best
		}
	}
	if tried == 0 {
		return nil, r.conflict(name, st)
	}
	return nil, first
}

// choose records c for p and the constraints c's metadata puts on its
// dependencies.
func (r *resolver) choose(st *state, p *pkg, c *candidate) (*state, error) {
	n := st.clone()
	n.chosen[p.name] = c
	chain := append(slices.Clip(n.via[p.name]), p.label())
	if p.local == nil {
		chain[len(chain)-1] += " " + c.version.String()
	}
	for _, dep := range sortedKeys(c.meta.Depends) {
		con, err := semver.ParseConstraint(c.meta.Depends[dep])
		if err != nil {
			return nil, fmt.Errorf("cookbook %s %s: metadata.star: depends on %s: %v", p.name, c.version, dep, err)
		}
		n.reqs[dep] = append(n.reqs[dep], req{chain: chain, c: con})
		n.enqueue(dep, chain)
		if d := n.chosen[dep]; d != nil && !con.Allows(d.version) {
			return nil, r.conflict(dep, n)
		}
	}
	return n, nil
}

func (r *resolver) conflict(name string, st *state) error {
	p := r.pkgs[name]
	e := &ConflictError{Cookbook: name, Held: p.held}
	for _, q := range st.reqs[name] {
		if q.c.Any() {
			continue // asks for nothing that could conflict
		}
		w := Want{Chain: strings.Join(q.chain, " → "), Constraint: q.c.String(), By: q.chain[len(q.chain)-1]}
		for _, l := range q.chain[1:] {
			n := strings.Fields(strings.TrimPrefix(l, "cookbooks/"))[0]
			if src := r.sources[n]; src != nil && r.locals[n] == nil && src.Version != "" {
				if c, err := semver.ParseConstraint(src.Version); err == nil && !c.Any() {
					w.Pins = append(w.Pins, n+" "+c.String())
				}
			}
		}
		e.Wants = append(e.Wants, w)
		e.cons = append(e.cons, q.c)
	}
	seen := map[string]bool{}
	var vs []semver.Version
	for _, c := range p.cands {
		if c.meta == nil && !c.tagged {
			if err := r.load(p, c); err != nil {
				return err
			}
		}
		if !seen[c.version.String()] {
			seen[c.version.String()] = true
			vs = append(vs, c.version)
		}
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Less(vs[j]) })
	for _, v := range vs {
		e.Available = append(e.Available, v.String())
	}
	e.vers = vs
	switch {
	case p.local != nil:
		e.Source = "cookbooks/" + name
	case p.src != nil:
		e.Source = p.src.Location()
	}
	r.conflicts = append(r.conflicts, e)
	return e
}

// pkg returns what is known of name, listing its candidates on first use.
func (r *resolver) pkg(name string, st *state) (*pkg, error) {
	if p := r.pkgs[name]; p != nil {
		return p, nil
	}
	p := &pkg{name: name}
	switch {
	case r.locals[name] != nil:
		cb := r.locals[name]
		v, err := metaVersion(cb, "")
		if err != nil {
			return nil, err
		}
		p.local = cb
		p.cands = []*candidate{{version: v, meta: cb}}
	case r.sources[name] != nil:
		p.src = r.sources[name]
		cands, err := r.candidates(p)
		if err != nil {
			return nil, err
		}
		p.cands = cands
	default:
		var wants []string
		for _, q := range st.reqs[name] {
			wants = append(wants, fmt.Sprintf("%s → %s (%s)", strings.Join(q.chain, " → "), name, q.c))
		}
		return nil, fmt.Errorf("cookbook %s has no source: it is wanted by %s, but it is not in cookbooks/ and %s does not name it; add it to %s, for example\n  cookbooks:\n    %s: {git: URL}",
			name, strings.Join(wants, " and "), SourcesFile, SourcesFile, name)
	}
	r.pkgs[name] = p
	return p, nil
}

// candidates lists the versions p's source offers, in the order to try.
func (r *resolver) candidates(p *pkg) ([]*candidate, error) {
	src := p.src
	if src.Path != "" {
		cb, err := recipe.ReadMetadata(filepath.Join(r.repoDir, src.Path))
		if err != nil {
			return nil, fmt.Errorf("cookbook %s (%s): %w", p.name, src.Location(), err)
		}
		c := &candidate{meta: cb}
		if err := r.checkMeta(p, c, ""); err != nil {
			return nil, err
		}
		return []*candidate{c}, nil
	}
	var locked *candidate
	if l := r.lock.entry(p.name); l != nil && l.Spec == src.Key() && l.Commit != "" {
		if v, err := semver.Parse(l.Version); err == nil {
			locked = &candidate{version: v, tagged: true, ref: l.Ref, commit: l.Commit, locked: true}
			// The vendored copy, when it matches the lock, tells the
			// dependencies without asking git.
			dir := filepath.Join(r.repoDir, VendorDir, p.name)
			if h, err := ContentHash(dir); err == nil && h == l.Hash {
				if cb, err := recipe.ReadMetadata(dir); err == nil {
					locked.meta = cb
				}
			}
		}
	}
	m := r.modes[p.name]
	if locked != nil && m == held {
		p.held = true
		return []*candidate{locked}, nil
	}
	all, err := r.remoteCandidates(src)
	if err != nil {
		return nil, err
	}
	if locked == nil || m == free {
		return all, nil
	}
	out := []*candidate{locked}
	for _, c := range all {
		if c.commit != locked.commit {
			out = append(out, c)
		}
	}
	return out, nil
}

// remoteCandidates asks the git source for its versions: the tag, branch or
// commit it is pinned to, or else every tag named like a version, newest
// first.
func (r *resolver) remoteCandidates(src *Source) ([]*candidate, error) {
	if src.Commit != "" {
		return []*candidate{{ref: src.Commit, commit: src.Commit}}, nil
	}
	refs, ok := r.refs[src.Git]
	if !ok {
		var err error
		refs, err = r.git.remoteRefs(src.Git)
		if err != nil {
			return nil, fmt.Errorf("cookbook %s: %w", src.Name, err)
		}
		r.refs[src.Git] = refs
	}
	switch {
	case src.Tag != "":
		ref := "refs/tags/" + src.Tag
		if refs[ref] == "" {
			return nil, fmt.Errorf("cookbook %s: tag %s not found in %s; tags there: %s", src.Name, src.Tag, src.Git, listRefs(refs, "refs/tags/"))
		}
		return []*candidate{{ref: ref, commit: refs[ref]}}, nil
	case src.Branch != "":
		ref := "refs/heads/" + src.Branch
		if refs[ref] == "" {
			return nil, fmt.Errorf("cookbook %s: branch %s not found in %s; branches there: %s", src.Name, src.Branch, src.Git, listRefs(refs, "refs/heads/"))
		}
		return []*candidate{{ref: ref, commit: refs[ref]}}, nil
	}
	byVersion := map[string]*candidate{}
	for ref, sha := range refs {
		tag, ok := strings.CutPrefix(ref, "refs/tags/")
		if !ok {
			continue
		}
		v, ok := tagVersion(tag)
		if !ok {
			continue
		}
		// v1.2.0 wins over 1.2.0 when both exist.
		if old := byVersion[v.String()]; old != nil && strings.HasPrefix(old.ref, "refs/tags/v") {
			continue
		}
		byVersion[v.String()] = &candidate{version: v, tagged: true, ref: ref, commit: sha}
	}
	var out []*candidate
	for _, c := range byVersion {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[j].version.Less(out[i].version) })
	return out, nil
}

// tagVersion reads a release version from a tag: v1.2.3 or 1.2.3.
// Pre-release tags are not offered.
func tagVersion(tag string) (semver.Version, bool) {
	s := strings.TrimPrefix(tag, "v")
	if strings.Count(s, ".") != 2 {
		return semver.Version{}, false
	}
	v, err := semver.Parse(s)
	if err != nil || v.Pre != "" || strings.Contains(s, "+") {
		return semver.Version{}, false
	}
	return v, true
}

func listRefs(refs map[string]string, prefix string) string {
	var names []string
	for ref := range refs {
		if n, ok := strings.CutPrefix(ref, prefix); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// load reads c's metadata.star, fetching c's commit into the cache if it is
// not there yet.
func (r *resolver) load(p *pkg, c *candidate) error {
	if c.meta != nil {
		return nil
	}
	src := p.src
	cache, err := r.git.fetch(src.Git, c.ref, c.commit)
	if err != nil {
		return fmt.Errorf("cookbook %s: %w", p.name, err)
	}
	if full, err := r.git.resolveCommit(cache, c.commit); err != nil {
		return fmt.Errorf("cookbook %s: %s: %w", p.name, src.Git, err)
	} else {
		c.commit = full
		if src.Commit != "" {
			c.ref = full
		}
	}
	b, ok, err := r.git.readFile(cache, c.commit, "metadata.star")
	if err != nil {
		return fmt.Errorf("cookbook %s: %w", p.name, err)
	}
	tmp, err := os.MkdirTemp("", "converge-metadata-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, p.name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	if ok {
		if err := os.WriteFile(filepath.Join(dir, "metadata.star"), b, 0o644); err != nil {
			return err
		}
	}
	cb, err := recipe.ReadMetadata(dir)
	if err != nil {
		return fmt.Errorf("cookbook %s at %s (%s): %w", p.name, shortRef(c), src.Git, err)
	}
	cb.Dir = "" // the temporary directory is gone once read
	c.meta = cb
	return r.checkMeta(p, c, shortRef(c))
}

// checkMeta checks that the metadata names the cookbook converge.yaml
// names, and sets the candidate's version from it.
func (r *resolver) checkMeta(p *pkg, c *candidate, at string) error {
	where := p.src.Location()
	if at != "" {
		where += " at " + at
	}
	if c.meta.Name != p.name {
		return fmt.Errorf("%s names cookbook %s, but the metadata.star of %s says name = %q; fix the name in one of them", SourcesFile, p.name, where, c.meta.Name)
	}
	v, err := metaVersion(c.meta, where)
	if err != nil {
		return err
	}
	if c.tagged && c.meta.Version != "" && v.Compare(c.version) != 0 {
		return fmt.Errorf("cookbook %s: tag %s says version %s but its metadata.star says %s; the tag and metadata.star must agree", p.name, strings.TrimPrefix(c.ref, "refs/tags/"), c.version, c.meta.Version)
	}
	if c.meta.Version == "" && c.tagged {
		return nil // a metadata.star without a version takes the tag's
	}
	c.version = v
	return nil
}

// metaVersion is a cookbook's version; one without a version is 0.0.0, as
// in Chef.
func metaVersion(cb *recipe.Cookbook, where string) (semver.Version, error) {
	if cb.Version == "" {
		return semver.Version{}, nil
	}
	v, err := semver.Parse(cb.Version)
	if err != nil {
		if where == "" {
			where = cb.Dir
		}
		return v, fmt.Errorf("cookbook %s (%s): metadata.star: %v", cb.Name, where, err)
	}
	return v, nil
}

func shortRef(c *candidate) string {
	if n, ok := strings.CutPrefix(c.ref, "refs/tags/"); ok {
		return n
	}
	if n, ok := strings.CutPrefix(c.ref, "refs/heads/"); ok {
		return n
	}
	if len(c.commit) > 12 {
		return c.commit[:12]
	}
	return c.commit
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
