package share

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// gitCalls counts git commands run, so that tests can prove a no-op install
// runs none.
var gitCalls atomic.Int64

// gitClient runs the git command for one repository root.
type gitClient struct {
	repoDir string
}

// run runs git with args in the repository root and returns its stdout.
func (g *gitClient) run(stdin io.Reader, args ...string) ([]byte, error) {
	gitCalls.Add(1)
	cmd := exec.Command("git", args...)
	cmd.Dir = g.repoDir
	cmd.Stdin = stdin
	// Never prompt for credentials: converge may run unattended.
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return out.Bytes(), fmt.Errorf("git %s: %s", strings.Join(args, " "), msg)
	}
	return out.Bytes(), nil
}

// remoteRefs maps each tag and branch of url (refs/tags/X, refs/heads/X)
// to its commit, from git ls-remote; annotated tags are peeled.
func (g *gitClient) remoteRefs(url string) (map[string]string, error) {
	out, err := g.run(nil, "ls-remote", "--tags", "--heads", "--", url)
	if err != nil {
		return nil, fmt.Errorf("listing the versions of %s: %w", url, err)
	}
	refs := map[string]string{}
	peeled := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		sha, ref, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if !ok {
			continue
		}
		if base, ok := strings.CutSuffix(ref, "^{}"); ok {
			peeled[base] = sha
			continue
		}
		refs[ref] = sha
	}
	for ref, sha := range peeled {
		refs[ref] = sha
	}
	return refs, nil
}

// cache returns the bare repository that caches url's fetched commits,
// creating it when needed.
func (g *gitClient) cache(url string) (string, error) {
	sum := sha256.Sum256([]byte(url))
	dir := filepath.Join(g.repoDir, CacheDir, hex.EncodeToString(sum[:8])+".git")
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	// The cache is local state, not something to commit.
	ignore := filepath.Join(g.repoDir, filepath.Dir(CacheDir), ".gitignore")
	if _, err := os.Stat(ignore); err != nil {
		if err := os.WriteFile(ignore, []byte("*\n"), 0o644); err != nil {
			return "", err
		}
	}
	if _, err := g.run(nil, "init", "--quiet", "--bare", dir); err != nil {
		return "", err
	}
	return dir, nil
}

// hasCommit reports whether the cache holds commit.
func (g *gitClient) hasCommit(cache, commit string) bool {
	_, err := g.run(nil, "--git-dir", cache, "cat-file", "-e", commit+"^{commit}")
	return err == nil
}

// fetch makes sure the cache holds commit, fetching only it (by ref when
// the ref is known, else by id) and nothing else it does not need.
func (g *gitClient) fetch(url, ref, commit string) (cache string, err error) {
	cache, err = g.cache(url)
	if err != nil {
		return "", err
	}
	if g.hasCommit(cache, commit) {
		return cache, nil
	}
	keep := "refs/converge/" + commit
	var errs []string
	if ref != "" && ref != commit {
		_, err := g.run(nil, "--git-dir", cache, "fetch", "--quiet", "--no-tags", "--depth=1", "--", url, "+"+ref+":"+keep)
		if err == nil && g.hasCommit(cache, commit) {
			return cache, nil
		}
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	if _, err := g.run(nil, "--git-dir", cache, "fetch", "--quiet", "--no-tags", "--depth=1", "--", url, "+"+commit+":"+keep); err == nil {
		return cache, nil
	} else {
		errs = append(errs, err.Error())
	}
	// An abbreviated commit, or a server that refuses to send a commit by
	// id: take every branch and tag, then look for it.
	if _, err := g.run(nil, "--git-dir", cache, "fetch", "--quiet", "--", url, "+refs/heads/*:refs/converge/heads/*", "+refs/tags/*:refs/converge/tags/*"); err != nil {
		errs = append(errs, err.Error())
	} else if g.hasCommit(cache, commit) {
		return cache, nil
	}
	return "", fmt.Errorf("fetching commit %s from %s: %s", commit, url, strings.Join(errs, "; "))
}

// resolveCommit expands rev (an abbreviated commit) to a full id in cache.
func (g *gitClient) resolveCommit(cache, rev string) (string, error) {
	out, err := g.run(nil, "--git-dir", cache, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("commit %s not found", rev)
	}
	return strings.TrimSpace(string(out)), nil
}

// readFile returns the file name at commit, or (nil, false) when the commit
// has no such file.
func (g *gitClient) readFile(cache, commit, name string) ([]byte, bool, error) {
	out, err := g.run(nil, "--git-dir", cache, "ls-tree", "--name-only", commit, "--", name)
	if err != nil {
		return nil, false, err
	}
	if strings.TrimSpace(string(out)) == "" {
		return nil, false, nil
	}
	b, err := g.run(nil, "--git-dir", cache, "cat-file", "blob", commit+":"+name)
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// export writes the tree of commit into dest (which must not exist), from
// git archive's tar stream.
func (g *gitClient) export(cache, commit, dest string) error {
	gitCalls.Add(1)
	cmd := exec.Command("git", "--git-dir", cache, "archive", "--format=tar", commit)
	cmd.Dir = g.repoDir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	xerr := untar(stdout, dest)
	io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git archive %s: %s", commit, strings.TrimSpace(stderr.String()))
	}
	return xerr
}

// untar extracts regular files, directories and symbolic links under dest,
// refusing any entry that would land outside it.
func untar(r io.Reader, dest string) error {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return err
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := path.Clean(h.Name)
		if name == "." || path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			return fmt.Errorf("archive entry %q is outside the cookbook", h.Name)
		}
		p := filepath.Join(dest, filepath.FromSlash(name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			mode := os.FileMode(0o644)
			if h.Mode&0o111 != 0 {
				mode = 0o755
			}
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.Symlink(h.Linkname, p); err != nil {
				return err
			}
		case tar.TypeXGlobalHeader:
			// git archive's commit id comment.
		default:
			return fmt.Errorf("archive entry %q: unsupported type %q", h.Name, h.Typeflag)
		}
	}
}
