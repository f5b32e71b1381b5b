package share

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Files and directories, relative to the repository root.
const (
	LockFile     = "converge.lock"
	VendorDir    = ".converge/cookbooks"
	CacheDir     = ".converge/cache/git"
	manifestsDir = ".converge/manifests"
)

// Lock is converge.lock: the exact cookbooks a run uses.
type Lock struct {
	// Cookbooks maps a cookbook name to what is locked for it. JSON writes
	// map keys sorted, so the file's order is stable.
	Cookbooks map[string]*Locked `json:"cookbooks"`
}

// Locked is one cookbook in converge.lock.
type Locked struct {
	Version string `json:"version"`
	// Source is "git:URL" or "path:DIR", as converge.yaml gives it.
	Source string `json:"source"`
	// Ref is the git ref the commit came from (refs/tags/v1.2.0,
	// refs/heads/main) or, for a commit pin, the commit; empty for a path.
	Ref    string `json:"ref,omitempty"`
	Commit string `json:"commit,omitempty"`
	// Hash is ContentHash of the vendored directory.
	Hash string `json:"hash"`
	// Spec is the converge.yaml entry the cookbook was resolved from
	// (Source.Key); a different entry makes the lock stale.
	Spec string `json:"spec"`
}

// ReadLock reads repoDir/converge.lock; (nil, nil) when there is none.
func ReadLock(repoDir string) (*Lock, error) {
	path := filepath.Join(repoDir, LockFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var l Lock
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("%s: %v; restore it from version control or run 'converge cookbooks update' to write a new one", path, err)
	}
	if l.Cookbooks == nil {
		l.Cookbooks = map[string]*Locked{}
	}
	return &l, nil
}

// Marshal renders the lock as written to disk: indented, keys sorted, one
// field per line, so that a change to one cookbook is a diff of its lines.
func (l *Lock) Marshal() []byte {
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		panic("share: marshal lock: " + err.Error() + "; this is a bug in converge")
	}
	return append(b, '\n')
}

// writeLock replaces repoDir/converge.lock atomically.
func writeLock(repoDir string, l *Lock) error {
	return writeFileAtomic(filepath.Join(repoDir, LockFile), l.Marshal())
}

func writeFileAtomic(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Manifest maps each file of a cookbook directory (slash-separated path
// relative to it) to the digest of its entry. It explains a hash mismatch
// file by file; the lock's hash alone decides whether content matches.
type Manifest map[string]string

// ReadTree lists dir's files for hashing. Symbolic links are recorded by
// target, the executable bit is part of a file's digest, directories count
// only through the files they hold, and .git directories are skipped.
func ReadTree(dir string) (Manifest, error) {
	m := Manifest{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir // a path source's own repository
			}
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		h := sha256.New()
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "symlink\x00%s", target)
		case info.Mode().IsRegular():
			kind := "file"
			if info.Mode()&0o111 != 0 {
				kind = "exec"
			}
			fmt.Fprintf(h, "%s\x00", kind)
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: %s is neither a file nor a symbolic link", dir, rel)
		}
		m[rel] = hex.EncodeToString(h.Sum(nil))
		return nil
	})
	return m, err
}

// Hash is the content hash of the listed tree: sha256 over the sorted
// lines "PATH\x00DIGEST\n", where DIGEST covers the file's kind (file,
// executable, symlink) and bytes. It is the one definition of a cookbook's
// content hash; the lock stores it as "sha256:HEX".
func (m Manifest) Hash() string {
	paths := make([]string, 0, len(m))
	for p := range m {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, p := range paths {
		fmt.Fprintf(h, "%s\x00%s\n", p, m[p])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// ContentHash is the content hash of the cookbook directory dir.
func ContentHash(dir string) (string, error) {
	m, err := ReadTree(dir)
	if err != nil {
		return "", err
	}
	return m.Hash(), nil
}

// Diff names the files that differ from m to now: "changed PATH",
// "added PATH", "removed PATH", sorted by path.
func (m Manifest) Diff(now Manifest) []string {
	var out []string
	for p, d := range now {
		switch old, ok := m[p]; {
		case !ok:
			out = append(out, "added "+p)
		case old != d:
			out = append(out, "changed "+p)
		}
	}
	for p := range m {
		if _, ok := now[p]; !ok {
			out = append(out, "removed "+p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i][strings.IndexByte(out[i], ' ')+1:] < out[j][strings.IndexByte(out[j], ' ')+1:]
	})
	return out
}

func manifestPath(repoDir, name string) string {
	return filepath.Join(repoDir, manifestsDir, name+".json")
}

func writeManifest(repoDir, name string, m Manifest) error {
	if err := os.MkdirAll(filepath.Join(repoDir, manifestsDir), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(manifestPath(repoDir, name), append(b, '\n'))
}

// readManifest returns the manifest recorded at install, or nil.
func readManifest(repoDir, name string) Manifest {
	b, err := os.ReadFile(manifestPath(repoDir, name))
	if err != nil {
		return nil
	}
	var m Manifest
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

// entry returns the locked entry of name; nil when l is nil or lacks it.
func (l *Lock) entry(name string) *Locked {
	if l == nil {
		return nil
	}
	return l.Cookbooks[name]
}
