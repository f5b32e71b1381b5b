package share

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/converge-cm/converge/engine/recipe"
)

// Result is what Install or Update did.
type Result struct {
	// Lock is converge.lock as written.
	Lock *Lock
	// Changes says, one line per cookbook, what moved: "added drbd 1.2.0",
	// "drbd 1.2.0 → 1.3.0", "restored drbd 1.2.0 ...", "removed drbd
	// 1.2.0". It is empty when the lock and the vendored copies were
	// already right.
	Changes []string
	// Notes are warnings, such as a converge.yaml entry that the
	// repository's own cookbooks/ overrides.
	Notes []string
}

// Install makes .converge/cookbooks and converge.lock agree with
// converge.yaml and the repository's own cookbooks. Cookbooks already
// locked keep their locked versions while these still satisfy every
// constraint; when they are vendored as locked, Install runs no git
// command at all. A vendored copy that was changed by hand is restored.
func Install(repoDir string) (*Result, error) {
	r, notes, err := newResolver(repoDir)
	if err != nil {
		return nil, err
	}
	for name := range r.lockedNames() {
		r.modes[name] = held
	}
	chosen, err := r.resolve()
	var ce *ConflictError
	if errors.As(err, &ce) && r.lock != nil {
		// converge.yaml or cookbooks/ asks for something the locked
		// versions cannot give: let them move, locked versions first.
		for name := range r.lockedNames() {
			r.modes[name] = prefer
		}
		chosen, err = r.resolve()
	}
	if err != nil {
		return nil, err
	}
	res, err := r.apply(chosen)
	if res != nil {
		res.Notes = notes
	}
	return res, err
}

// Update moves the named cookbooks (every shared cookbook when names is
// empty) to the newest versions their constraints allow; the other locked
// cookbooks stay where they are.
func Update(repoDir string, names ...string) (*Result, error) {
	r, notes, err := newResolver(repoDir)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if r.sources[n] == nil {
			if r.locals[n] != nil {
				return nil, fmt.Errorf("cookbook %s is the repository's own (cookbooks/%s), not a shared one; there is nothing to update", n, n)
			}
			return nil, fmt.Errorf("cookbook %s is not in %s; shared cookbooks there: %s", n, SourcesFile, strings.Join(sortedKeys(r.sources), ", "))
		}
	}
	if len(names) > 0 {
		for name := range r.lockedNames() {
			r.modes[name] = held
		}
		for _, n := range names {
			r.modes[n] = free
		}
	}
	chosen, err := r.resolve()
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		names = sortedKeys(r.sources)
	}
	for _, n := range names {
		// Say why a cookbook asked to move stays behind its newest version.
		p, c := r.pkgs[n], chosen[n]
		if p == nil || c == nil || p.src == nil || len(p.cands) == 0 || !p.cands[0].tagged {
			continue
		}
		if newest := p.cands[0].version; c.version.Less(newest) {
			notes = append(notes, fmt.Sprintf("cookbook %s: %s exists, but %s is the newest version that satisfies every constraint on it", n, newest, c.version))
		}
	}
	res, err := r.apply(chosen)
	if res != nil {
		res.Notes = notes
	}
	return res, err
}

// newResolver reads converge.yaml, converge.lock and the repository's own
// cookbooks.
func newResolver(repoDir string) (*resolver, []string, error) {
	srcs, err := ReadSources(repoDir)
	if err != nil {
		return nil, nil, err
	}
	if srcs == nil {
		return nil, nil, fmt.Errorf("no %s in %s; name the shared cookbooks there, for example\n  cookbooks:\n    drbd: {git: https://git.example.com/platform/drbd.git, version: \"~> 1.2\"}", SourcesFile, absPath(repoDir))
	}
	lock, err := ReadLock(repoDir)
	if err != nil {
		return nil, nil, err
	}
	own, err := recipe.LoadRepo([]string{filepath.Join(repoDir, "cookbooks")})
	if err != nil {
		return nil, nil, err
	}
	r := &resolver{
		repoDir: repoDir,
		git:     &gitClient{repoDir: repoDir},
		sources: map[string]*Source{},
		locals:  own.Cookbooks,
		lock:    lock,
		modes:   map[string]mode{},
	}
	var notes []string
	for _, s := range srcs {
		r.sources[s.Name] = s
		if r.locals[s.Name] != nil {
			notes = append(notes, fmt.Sprintf("cookbook %s: cookbooks/%s overrides the %s entry; it is not vendored", s.Name, s.Name, SourcesFile))
		}
	}
	return r, notes, nil
}

// lockedNames are the cookbooks whose lock entry still matches their
// converge.yaml entry.
func (r *resolver) lockedNames() map[string]bool {
	out := map[string]bool{}
	if r.lock == nil {
		return out
	}
	for name, l := range r.lock.Cookbooks {
		if s := r.sources[name]; s != nil && l.Spec == s.Key() {
			out[name] = true
		}
	}
	return out
}

// apply vendors the chosen versions that are not vendored yet, removes the
// vendored cookbooks no longer chosen and writes the lock.
func (r *resolver) apply(chosen map[string]*candidate) (*Result, error) {
	vroot := filepath.Join(r.repoDir, VendorDir)
	if err := os.MkdirAll(vroot, 0o755); err != nil {
		return nil, err
	}
	lock := &Lock{Cookbooks: map[string]*Locked{}}
	res := &Result{Lock: lock}
	for _, name := range sortedKeys(chosen) {
		p, c := r.pkgs[name], chosen[name]
		if p.local != nil {
			continue
		}
		old := r.lock.entry(name)
		e := &Locked{Version: c.version.String(), Source: p.src.Location(), Ref: c.ref, Commit: c.commit, Spec: p.src.Key()}
		dir := filepath.Join(vroot, name)
		have := ""
		if t, err := ReadTree(dir); err == nil {
			have = t.Hash()
		}
		staged := filepath.Join(vroot, ".new-"+name)
		if err := os.RemoveAll(staged); err != nil {
			return nil, err
		}
		vendored := false
		if p.src.Path != "" {
			srcDir := filepath.Join(r.repoDir, p.src.Path)
			want, err := ReadTree(srcDir)
			if err != nil {
				return nil, fmt.Errorf("cookbook %s: %w", name, err)
			}
			e.Hash = want.Hash()
			if have != e.Hash {
				if err := copyTree(srcDir, staged); err != nil {
					return nil, fmt.Errorf("cookbook %s: vendoring %s: %w", name, p.src.Path, err)
				}
				vendored = true
			}
		} else if old != nil && old.Commit == c.commit && old.Hash == have {
			e.Hash = old.Hash
		} else {
			cache, err := r.git.fetch(p.src.Git, c.ref, c.commit)
			if err != nil {
				return nil, fmt.Errorf("cookbook %s: %w", name, err)
			}
			if err := r.git.export(cache, c.commit, staged); err != nil {
				os.RemoveAll(staged)
				return nil, fmt.Errorf("cookbook %s: %w", name, err)
			}
			vendored = true
		}
		if vendored {
			tree, err := ReadTree(staged)
			if err != nil {
				return nil, err
			}
			e.Hash = tree.Hash()
			if err := replaceDir(dir, staged); err != nil {
				return nil, err
			}
			if err := writeManifest(r.repoDir, name, tree); err != nil {
				return nil, err
			}
		}
		lock.Cookbooks[name] = e
		if line := change(name, old, e, vendored); line != "" {
			res.Changes = append(res.Changes, line)
		}
	}
	// Vendored cookbooks no longer chosen.
	entries, err := os.ReadDir(vroot)
	if err != nil {
		return nil, err
	}
	for _, d := range entries {
		if strings.HasPrefix(d.Name(), ".") || lock.Cookbooks[d.Name()] != nil {
			continue
		}
		if err := os.RemoveAll(filepath.Join(vroot, d.Name())); err != nil {
			return nil, err
		}
		os.Remove(manifestPath(r.repoDir, d.Name()))
	}
	if r.lock != nil {
		for _, name := range sortedKeys(r.lock.Cookbooks) {
			if lock.Cookbooks[name] == nil {
				res.Changes = append(res.Changes, fmt.Sprintf("removed %s %s", name, r.lock.Cookbooks[name].Version))
			}
		}
	}
	if err := writeLock(r.repoDir, lock); err != nil {
		return nil, err
	}
	return res, nil
}

// change describes how a lock entry moved; "" when it did not.
func change(name string, old, e *Locked, vendored bool) string {
	switch {
	case old == nil:
		return fmt.Sprintf("added %s %s (%s)", name, e.Version, describe(e))
	case old.Version != e.Version:
		return fmt.Sprintf("%s %s → %s (%s)", name, old.Version, e.Version, describe(e))
	case old.Commit != e.Commit:
		return fmt.Sprintf("%s %s: commit %s → %s", name, e.Version, short(old.Commit), short(e.Commit))
	case old.Hash != e.Hash || old.Spec != e.Spec:
		return fmt.Sprintf("%s %s: %s changed", name, e.Version, e.Source)
	case vendored:
		return fmt.Sprintf("restored %s %s: the vendored copy did not match %s", name, e.Version, LockFile)
	}
	return ""
}

func describe(e *Locked) string {
	s := e.Source
	if e.Ref != "" {
		ref := strings.TrimPrefix(strings.TrimPrefix(e.Ref, "refs/tags/"), "refs/heads/")
		s += " " + short(ref)
	}
	return s
}

func short(commit string) string {
	if len(commit) == 40 {
		return commit[:12]
	}
	return commit
}

// replaceDir puts staged where dir is.
func replaceDir(dir, staged string) error {
	old := filepath.Join(filepath.Dir(dir), ".old-"+filepath.Base(dir))
	if err := os.RemoveAll(old); err != nil {
		return err
	}
	if err := os.Rename(dir, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(staged, dir); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

// copyTree copies the files and symbolic links of src to dst, as ReadTree
// sees them.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if d.Name() == ".git" && p != src {
				return filepath.SkipDir
			}
			return os.MkdirAll(out, 0o755)
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, out)
		case info.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			mode := os.FileMode(0o644)
			if info.Mode()&0o111 != 0 {
				mode = 0o755
			}
			return os.WriteFile(out, b, mode)
		}
		return fmt.Errorf("%s is neither a file nor a symbolic link", p)
	})
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// Status is one shared cookbook as List shows it.
type Status struct {
	Name string
	// Source is "git:URL" or "path:DIR", with the tag or branch followed.
	Source string
	// Locked is the version in converge.lock; "" when it is not installed.
	Locked string
	// Commit is the locked commit, for a git source.
	Commit string
	// Newest is the newest version the source offers (its newest version
	// tag), or for a branch its head commit; "" when unknown.
	Newest string
	// Newer is set when Newest is past what is locked.
	Newer bool
	// Problem says why Newest is unknown.
	Problem string
}

// List shows every shared cookbook: what is locked and the newest version
// its source offers. It asks each git source for its tags and branches.
func List(repoDir string) ([]Status, error) {
	srcs, err := ReadSources(repoDir)
	if err != nil {
		return nil, err
	}
	lock, err := ReadLock(repoDir)
	if err != nil {
		return nil, err
	}
	g := &gitClient{repoDir: repoDir}
	refsOf := map[string]map[string]string{}
	byName := map[string]*Source{}
	for _, s := range srcs {
		byName[s.Name] = s
	}
	names := map[string]bool{}
	for _, s := range srcs {
		names[s.Name] = true
	}
	if lock != nil {
		for n := range lock.Cookbooks {
			names[n] = true
		}
	}
	var out []Status
	for _, name := range sortedKeys(names) {
		st := Status{Name: name}
		if l := lock.entry(name); l != nil {
			st.Locked, st.Commit, st.Source = l.Version, l.Commit, describe(l)
		}
		s := byName[name]
		if s == nil {
			st.Problem = "not in " + SourcesFile + " any more; 'converge cookbooks install' removes it"
			out = append(out, st)
			continue
		}
		if st.Source == "" {
			st.Source = s.Location()
		}
		switch {
		case s.Path != "":
			cb, err := recipe.ReadMetadata(filepath.Join(repoDir, s.Path))
			if err != nil {
				st.Problem = err.Error()
			} else {
				st.Newest = cb.Version
			}
		case s.Commit != "":
			st.Newest = "(pinned to commit " + short(s.Commit) + ")"
		default:
			refs, ok := refsOf[s.Git]
			if !ok {
				refs, err = g.remoteRefs(s.Git)
				if err != nil {
					st.Problem = err.Error()
					out = append(out, st)
					continue
				}
				refsOf[s.Git] = refs
			}
			if s.Branch != "" {
				head := refs["refs/heads/"+s.Branch]
				st.Newest = s.Branch + "@" + short(head)
				st.Newer = head != "" && head != st.Commit
				break
			}
			var best string
			for ref := range refs {
				tag, ok := strings.CutPrefix(ref, "refs/tags/")
				if !ok {
					continue
				}
				if v, ok := tagVersion(tag); ok && (best == "" || mustVersion(best).Less(v)) {
					best = v.String()
				}
			}
			st.Newest = best
		}
		if st.Locked != "" && st.Newest != "" && s.Branch == "" && s.Commit == "" {
			if lv, err := parseVersion(st.Locked); err == nil {
				if nv, err := parseVersion(st.Newest); err == nil {
					st.Newer = lv.Less(nv)
				}
			}
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
