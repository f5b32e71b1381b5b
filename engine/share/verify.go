package share

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/converge-cm/converge/engine/share/semver"
)

// Verify checks that the vendored cookbooks are exactly what converge.lock
// pins, and returns the directory that holds them for the cookbook path.
// Without a converge.lock there is nothing to check: it returns "".
//
// It refuses a vendored cookbook whose content hash differs from the lock
// (naming the files changed, added or removed), one that is missing or not
// locked, a path source changed since it was vendored, and a converge.yaml
// that no longer matches the lock. It runs no git command.
func Verify(repoDir string) (vendorDir string, err error) {
	lock, err := ReadLock(repoDir)
	if err != nil || lock == nil {
		return "", err
	}
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }

	srcs, err := ReadSources(repoDir)
	if err != nil {
		return "", err
	}
	if srcs != nil {
		named := map[string]bool{}
		for _, s := range srcs {
			named[s.Name] = true
			l := lock.entry(s.Name)
			switch {
			case l == nil && !isDir(filepath.Join(repoDir, "cookbooks", s.Name)):
				add("cookbook %s is in %s but not in %s; run 'converge cookbooks install'", s.Name, SourcesFile, LockFile)
			case l != nil && l.Spec != s.Key():
				add("the %s entry of cookbook %s changed since %s was written (locked from %q, now %q); run 'converge cookbooks install'", SourcesFile, s.Name, LockFile, l.Spec, s.Key())
			}
		}
		for _, name := range sortedKeys(lock.Cookbooks) {
			if !named[name] {
				add("cookbook %s is locked but %s no longer names it; run 'converge cookbooks install' to drop it", name, SourcesFile)
			}
		}
	}

	vroot := filepath.Join(repoDir, VendorDir)
	for _, name := range sortedKeys(lock.Cookbooks) {
		l := lock.Cookbooks[name]
		dir := filepath.Join(vroot, name)
		what := fmt.Sprintf("%s %s", name, l.Version)
		if l.Commit != "" {
			what += ", commit " + short(l.Commit)
		}
		tree, err := ReadTree(dir)
		if errors.Is(err, fs.ErrNotExist) {
			add("cookbook %s is locked (%s) but not vendored in %s; run 'converge cookbooks install'", name, what, filepath.Join(VendorDir, name))
			continue
		}
		if err != nil {
			add("cookbook %s: %v", name, err)
			continue
		}
		if h := tree.Hash(); h != l.Hash {
			var b strings.Builder
			fmt.Fprintf(&b, "vendored cookbook %s (%s) does not match %s", filepath.Join(VendorDir, name), what, LockFile)
			if m := readManifest(repoDir, name); m != nil && m.Hash() == l.Hash {
				b.WriteString(":")
				for _, d := range m.Diff(tree) {
					b.WriteString("\n    " + d)
				}
			} else {
				fmt.Fprintf(&b, ": its content hash is %s, the lock says %s", h, l.Hash)
			}
			fmt.Fprintf(&b, "\n  run 'converge cookbooks install' to restore the locked content, or 'converge cookbooks update %s' to lock another version; change a shared cookbook in its own repository, not in its vendored copy", name)
			problems = append(problems, b.String())
			continue
		}
		if p, ok := strings.CutPrefix(l.Source, "path:"); ok {
			if h, err := ContentHash(filepath.Join(repoDir, p)); err != nil || h != l.Hash {
				add("cookbook %s: %s changed since it was vendored; run 'converge cookbooks install' to vendor it again", name, p)
			}
		}
	}
	entries, err := os.ReadDir(vroot)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	for _, d := range entries {
		if !strings.HasPrefix(d.Name(), ".") && lock.Cookbooks[d.Name()] == nil {
			add("%s is vendored but not in %s; run 'converge cookbooks install' to remove it", filepath.Join(VendorDir, d.Name()), LockFile)
		}
	}
	if len(problems) > 0 {
		if len(problems) == 1 {
			return "", errors.New(problems[0])
		}
		return "", fmt.Errorf("%d problems with the shared cookbooks:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	return vroot, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func parseVersion(s string) (semver.Version, error) { return semver.Parse(s) }

func mustVersion(s string) semver.Version { return semver.MustParse(s) }
